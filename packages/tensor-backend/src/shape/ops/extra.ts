/**
 * Shapes of ops seen in real exports beyond the core set: Einsum, PRelu, Instance- and
 * GroupNormalization, trigonometric and other unary activations, DepthToSpace /
 * SpaceToDepth, Mod (folded: exporters use it in shape arithmetic) and
 * NonMaxSuppression (its output size depends on the data, so it is only accepted when
 * its inputs are compile-time constants).
 *
 * The Einsum equation parser is exported: the gradient rule builds its equations from
 * the same labels, so both must read an equation identically.
 */
import type { Attrs } from '../../ir/attributes.js';
import { isFloat } from '../../tensor/dtype.js';
import { toNumbers, type Tensor } from '../../tensor/tensor.js';
import { broadcastDims } from '../broadcast.js';
import { defineShape } from '../registry.js';
import { whenKnown, type InferContext } from '../types.js';
import { build, elem, stridesOf, type Elem } from './movement.js';

// ---------------------------------------------------------------------------------------
// Einsum

/**
 * An Einsum equation resolved against static input dims. Axes are numbered labels: each
 * letter is one label, '...' becomes one label per broadcast axis, and an operand axis of
 * size 1 broadcast against a larger size gets a private label (it is summed over trivially),
 * so every label has one size wherever it occurs.
 */
export interface EinsumSpec {
  /** Label of each axis of each operand. */
  readonly operands: readonly (readonly number[])[];
  /** Labels of the output axes. */
  readonly output: readonly number[];
  /** Size of each label. */
  readonly sizes: readonly number[];
  /** The letter each label is written with in an equation (fresh letters for '...' and private labels). */
  readonly letters: readonly string[];
}

const LETTERS = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
/** Token for '...' in a parsed term (letters are single characters). */
const ELLIPSIS = '...';

/** Splits one term into letters and at most one ELLIPSIS. */
function tokens(term: string, fail: (m: string) => never): string[] {
  const out: string[] = [];
  for (let k = 0; k < term.length; k++) {
    if (term.startsWith(ELLIPSIS, k)) {
      if (out.includes(ELLIPSIS)) fail(`term '${term}' has more than one '...'`);
      out.push(ELLIPSIS);
      k += 2;
    } else if (LETTERS.includes(term[k])) out.push(term[k]);
    else fail(`term '${term}' has '${term[k]}'; subscripts are letters a-z, A-Z and '...'`);
  }
  return out;
}

/** A key in messages: a letter, or one axis of '...'. */
const showKey = (k: string): string => (k.length === 1 ? `subscript '${k}'` : `axis ${k.slice(ELLIPSIS.length)} of '...'`);

/** Resolves `equation` against the inputs' static dims; `fail` reports a malformed or mismatched equation. */
export function parseEinsum(equation: string, dims: readonly (readonly number[])[], fail: (m: string) => never): EinsumSpec {
  const eq = equation.replace(/\s+/g, '');
  const sides = eq.split('->');
  if (sides.length > 2) fail(`equation '${equation}' has more than one '->'`);
  const terms = sides[0].split(',').map((t) => tokens(t, fail));
  if (terms.length !== dims.length) fail(`equation '${equation}' has ${terms.length} operand terms for ${dims.length} inputs`);

  // '...' covers the axes the letters leave over; ellipses align at the right (numpy)
  const ellipsisRank = terms.map((t, i) => {
    const letters = t.filter((s) => s !== ELLIPSIS).length;
    const extra = dims[i].length - letters;
    if (extra < 0 || (extra > 0 && !t.includes(ELLIPSIS))) fail(`term '${t.join('')}' does not match input ${i} of rank ${dims[i].length}`);
    return t.includes(ELLIPSIS) ? extra : 0;
  });
  const e = Math.max(0, ...ellipsisRank);
  const keysOf = (t: readonly string[], rank: number): string[] =>
    t.flatMap((s) => (s === ELLIPSIS ? Array.from({ length: rank }, (_, k) => `${ELLIPSIS}${e - rank + k}`) : [s]));
  const inKeys = terms.map((t, i) => keysOf(t, ellipsisRank[i]));

  // size of each key: its first size other than 1 (0 included); the others must equal it or be 1
  const size = new Map<string, number>();
  inKeys.forEach((keys, i) =>
    keys.forEach((key, a) => {
      const prev = size.get(key);
      if (prev === undefined || prev === 1) size.set(key, dims[i][a]);
    }),
  );
  inKeys.forEach((keys, i) =>
    keys.forEach((key, a) => {
      const d = dims[i][a];
      if (d !== size.get(key) && d !== 1) fail(`${showKey(key)} has size ${d} in input ${i} but ${size.get(key)} elsewhere`);
      if (keys.indexOf(key) !== a && dims[i][keys.indexOf(key)] !== d) fail(`repeated ${showKey(key)} has sizes ${dims[i][keys.indexOf(key)]} and ${d} in input ${i}`);
    }),
  );

  let outKeys: string[];
  if (sides.length === 2) {
    const t = tokens(sides[1], fail);
    if (e > 0 && !t.includes(ELLIPSIS)) fail(`the inputs' '...' covers ${e} axes but the output has no '...' (onnxruntime requires one)`);
    outKeys = keysOf(t, e);
    for (const k of outKeys) if (!size.has(k)) fail(`output subscript '${k}' appears in no input`);
    if (new Set(outKeys).size !== outKeys.length) fail(`output subscripts '${sides[1]}' repeat a letter`);
  } else {
    // implicit output: '...' first, then the letters used exactly once, in ASCII order (numpy)
    const count = new Map<string, number>();
    for (const k of inKeys.flat()) count.set(k, (count.get(k) ?? 0) + 1);
    const once = [...count.keys()].filter((k) => k.length === 1 && count.get(k) === 1).sort();
    outKeys = [...keysOf([ELLIPSIS], e), ...once];
  }

  // number the keys, then give broadcast axes private labels
  const ids = new Map<string, number>();
  const sizes: number[] = [];
  const names: (string | undefined)[] = [];
  const label = (key: string | undefined, n: number): number => {
    if (key !== undefined && ids.has(key)) return ids.get(key)!;
    sizes.push(n);
    names.push(key?.length === 1 ? key : undefined);
    if (key !== undefined) ids.set(key, sizes.length - 1);
    return sizes.length - 1;
  };
  for (const k of [...inKeys.flat(), ...outKeys]) label(k, size.get(k)!);
  const operands = inKeys.map((keys, i) => keys.map((k, a) => (dims[i][a] === size.get(k) ? ids.get(k)! : label(undefined, 1))));

  const free = [...LETTERS].filter((c) => !eq.includes(c));
  const unnamed = names.filter((n) => n === undefined).length;
  if (unnamed > free.length) fail(`equation '${equation}' needs more than ${LETTERS.length} distinct subscripts once '...' is expanded`);
  const letters = names.map((n) => n ?? free.shift()!);
  return { operands, output: outKeys.map((k) => ids.get(k)!), sizes, letters };
}

/** The subscripts of a list of labels, as written in an equation. */
export const subscripts = (spec: EinsumSpec, labels: readonly number[]): string => labels.map((l) => spec.letters[l]).join('');

defineShape('Einsum', {
  infer: (ctx) => {
    const ins = Array.from({ length: ctx.numInputs }, (_, i) => ctx.input(i));
    const spec = parseEinsum(ctx.attrs.string('equation'), ins.map((t) => t.dims), ctx.fail);
    return [{ dtype: ins[0].dtype, dims: spec.output.map((l) => spec.sizes[l]) }];
  },
});

// ---------------------------------------------------------------------------------------
// Element-wise

const sameAsInput0 = (ctx: InferContext) => [ctx.input(0)];

defineShape(
  ['Sin', 'Cos', 'Tan', 'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'Asinh', 'Acosh', 'Atanh', 'Softsign', 'Celu', 'Mish', 'ThresholdedRelu'],
  { infer: sameAsInput0 },
);

// PRelu: the slope broadcasts to X (unidirectionally); the result has X's dims.
defineShape('PRelu', {
  infer: (ctx) => {
    const x = ctx.input(0);
    const slope = ctx.input(1).dims;
    const out = broadcastDims([x.dims, slope], ctx.node.describe());
    if (out.length !== x.dims.length || out.some((d, i) => d !== x.dims[i])) ctx.fail(`slope [${slope.join(', ')}] does not broadcast to X [${x.dims.join(', ')}]`);
    return [x];
  },
});

/** Remainder of a / b: fmod = 1 truncates the quotient (C fmod), 0 floors it (sign of the divisor). */
function remainder(a: Elem, b: Elem, fmod: boolean): Elem | undefined {
  if (typeof a === 'bigint' && typeof b === 'bigint') {
    if (b === 0n) return undefined;
    const r = a % b;
    return !fmod && r !== 0n && r < 0n !== b < 0n ? r + b : r;
  }
  const [x, y] = [Number(a), Number(b)];
  if (y === 0) return undefined;
  const r = x % y;
  return !fmod && r !== 0 && r < 0 !== y < 0 ? r + y : r;
}

// Mod broadcasts like the other binaries. It is folded (exactly, for int64) because exporters
// use it on dims (e.g. padding a length to a multiple of a block size).
defineShape('Mod', {
  infer: (ctx) => [{ dtype: ctx.input(0).dtype, dims: broadcastDims([ctx.input(0).dims, ctx.input(1).dims], ctx.node.describe()) }],
  fold: whenKnown((ctx, [a, b]) => {
    if (a.dtype === 'float16') return [];
    const fmod = ctx.attrs.int('fmod', 0) === 1 || isFloat(a.dtype);
    const dims = broadcastDims([a.dims, b.dims]);
    // offset of the output index in an operand that broadcasts (size-1 axes do not move)
    const at = (t: Tensor) => {
      const s = stridesOf(t.dims);
      const lead = dims.length - t.dims.length;
      return (idx: readonly number[]): Elem => elem(t, t.dims.reduce((o, d, r) => (d === 1 ? o : o + idx[r + lead] * s[r]), 0));
    };
    const [readA, readB] = [at(a), at(b)];
    let ok = true;
    const out = build(a.dtype, dims, (idx) => {
      const r = remainder(readA(idx), readB(idx), fmod);
      if (r === undefined) ok = false;
      return r ?? readA(idx);
    });
    return ok ? [out] : []; // a division by zero is left to run time
  }),
});

// ---------------------------------------------------------------------------------------
// Normalization

defineShape('InstanceNormalization', {
  infer: (ctx) => {
    const x = ctx.input(0);
    if (x.dims.length < 3) ctx.fail(`input must be [N, C, D1, ...], got [${x.dims.join(', ')}]`);
    for (const i of [1, 2]) {
      const d = ctx.input(i).dims;
      if (d.length !== 1 || d[0] !== x.dims[1]) ctx.fail(`${i === 1 ? 'scale' : 'B'} must be [${x.dims[1]}], got [${d.join(', ')}]`);
    }
    return [x];
  },
});

/** Number of groups, and the length of scale and bias: per group before opset 21, per channel from 21. */
export function groupNormParams(opset: number, attrs: Attrs, x: readonly number[], fail: (m: string) => never): { groups: number; affine: number } {
  const groups = attrs.int('num_groups');
  if (x.length < 2) fail(`input must be [N, C, ...], got [${x.join(', ')}]`);
  if (groups <= 0 || x[1] % groups !== 0) fail(`num_groups = ${groups} does not divide the ${x[1]} channels`);
  return { groups, affine: opset >= 21 ? x[1] : groups };
}

defineShape('GroupNormalization', {
  infer: (ctx) => {
    const x = ctx.input(0);
    const { affine } = groupNormParams(ctx.opset, ctx.attrs, x.dims, ctx.fail);
    for (const i of [1, 2]) {
      const d = ctx.input(i).dims;
      if (d.length !== 1 || d[0] !== affine) {
        ctx.fail(`${i === 1 ? 'scale' : 'bias'} must be [${affine}] (${ctx.opset >= 21 ? 'one per channel from opset 21' : 'one per group before opset 21'}), got [${d.join(', ')}]`);
      }
    }
    return [x];
  },
});

// ---------------------------------------------------------------------------------------
// Block rearrangements ([N, C, H, W] only)

function blockDims(ctx: InferContext): { dims: readonly number[]; b: number } {
  const { dims } = ctx.input(0);
  const b = ctx.attrs.int('blocksize');
  if (dims.length !== 4) ctx.fail(`input must be [N, C, H, W], got [${dims.join(', ')}]`);
  if (b < 1) ctx.fail(`blocksize ${b} must be positive`);
  return { dims, b };
}

defineShape('DepthToSpace', {
  infer: (ctx) => {
    const { dims: [n, c, h, w], b } = blockDims(ctx);
    if (c % (b * b) !== 0) ctx.fail(`${c} channels are not a multiple of blocksize^2 = ${b * b}`);
    return [{ dtype: ctx.input(0).dtype, dims: [n, c / (b * b), h * b, w * b] }];
  },
});

defineShape('SpaceToDepth', {
  infer: (ctx) => {
    const { dims: [n, c, h, w], b } = blockDims(ctx);
    if (h % b !== 0 || w % b !== 0) ctx.fail(`spatial dims ${h} x ${w} are not multiples of blocksize ${b}`);
    return [{ dtype: ctx.input(0).dtype, dims: [n, c * b * b, h / b, w / b] }];
  },
});

// ---------------------------------------------------------------------------------------
// NonMaxSuppression

/** Intersection over union of two boxes given as [y1, x1, y2, x2] (any corner order) or [xc, yc, w, h]. */
function iou(a: readonly number[], b: readonly number[], center: boolean): number {
  const corners = (v: readonly number[]): number[] =>
    center
      ? [v[1] - v[3] / 2, v[0] - v[2] / 2, v[1] + v[3] / 2, v[0] + v[2] / 2]
      : [Math.min(v[0], v[2]), Math.min(v[1], v[3]), Math.max(v[0], v[2]), Math.max(v[1], v[3])];
  const [p, q] = [corners(a), corners(b)];
  const area = (r: number[]): number => (r[2] - r[0]) * (r[3] - r[1]);
  const inter = Math.max(0, Math.min(p[2], q[2]) - Math.max(p[0], q[0])) * Math.max(0, Math.min(p[3], q[3]) - Math.max(p[1], q[1]));
  const union = area(p) + area(q) - inter;
  return area(p) <= 0 || area(q) <= 0 || union <= 0 ? 0 : inter / union;
}

/**
 * The [batch, class, box] triples NonMaxSuppression selects, as onnxruntime orders them:
 * by batch, then class, then descending score (ties: lower box index first). A box is
 * kept when its score exceeds score_threshold and its IoU with every kept box of the
 * class is at most iou_threshold.
 */
function nmsSelect(ctx: InferContext): number[][] {
  const known = (i: number, what: string): Tensor | undefined => {
    if (!ctx.has(i)) return undefined;
    const v = ctx.value(i);
    if (!v) {
      return ctx.fail(
        `NonMaxSuppression's output size depends on its ${what} values, which are only known at run time; gradloc needs static shapes (it accepts NonMaxSuppression only on constant inputs)`,
      );
    }
    return v;
  };
  const boxes = toNumbers(known(0, 'boxes')!);
  const scores = known(1, 'scores')!;
  const [maxOut, iouMax, scoreMin] = [2, 3, 4].map((i, k) => known(i, ['max_output_boxes_per_class', 'iou_threshold', 'score_threshold'][k]));
  const limit = maxOut ? Number(maxOut.data[0]) : 0;
  const iouT = iouMax ? Number(iouMax.data[0]) : 0;
  const center = ctx.attrs.int('center_point_box', 0) === 1;
  const [batches, classes, spatial] = scores.dims;
  if (ctx.input(0).dims.join() !== [batches, spatial, 4].join()) ctx.fail(`boxes [${ctx.input(0).dims.join(', ')}] do not match scores [${scores.dims.join(', ')}]`);
  const s = toNumbers(scores);
  const picked: number[][] = [];
  for (let n = 0; n < batches; n++) {
    for (let c = 0; c < classes; c++) {
      const off = (n * classes + c) * spatial;
      const order = Array.from({ length: spatial }, (_, k) => k)
        .filter((k) => !scoreMin || s[off + k] > Number(scoreMin.data[0]))
        .sort((p, q) => s[off + q] - s[off + p] || p - q);
      const kept: number[] = [];
      const box = (k: number): number[] => boxes.slice((n * spatial + k) * 4, (n * spatial + k) * 4 + 4);
      for (const k of order) {
        if (kept.length >= limit) break;
        if (kept.every((j) => iou(box(j), box(k), center) <= iouT)) kept.push(k);
      }
      for (const k of kept) picked.push([n, c, k]);
    }
  }
  return picked;
}

defineShape('NonMaxSuppression', {
  infer: (ctx) => [{ dtype: 'int64', dims: [nmsSelect(ctx).length, 3] }],
  fold: (ctx) => {
    const picked = nmsSelect(ctx);
    return [build('int64', [picked.length, 3], ([i, j]) => BigInt(picked[i][j]))];
  },
});
