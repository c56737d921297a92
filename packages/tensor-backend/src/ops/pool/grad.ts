/**
 * Gradients of the pools. MaxPool routes dY to the arg-max positions (its own Indices
 * output + ScatterElements). AveragePool is linear: dY is divided by onnxruntime's
 * per-window divisors and summed back over the windows (an AveragePool at stride 1, a
 * ConvTranspose otherwise). The global pools broadcast a small [N, C, 1...] tensor.
 */
import type { GradContext, GradRule } from '../../autodiff/types.js';
import { asFloat } from '../../ir/attributes.js';
import type { AttrMap } from '../../ir/builder.js';
import { AttrType } from '../../onnx/schema.js';
import { axisRange } from '../../shape/broadcast.js';
import { sizeOf, tensor } from '../../tensor/tensor.js';
import { windowAdjoint } from '../window/adjoint.js';
import { poolWindow, type Window } from '../window/geometry.js';

/** The forward node's attributes, with overrides (to re-emit the same op with other outputs). */
function forwardAttrs(ctx: GradContext, overrides: AttrMap): AttrMap {
  const out: AttrMap = {};
  for (const a of ctx.node.proto.attribute) {
    const name = a.name ?? '';
    if (a.type === AttrType.INT) out[name] = Number(a.i ?? 0);
    else if (a.type === AttrType.INTS) out[name] = a.ints.map(Number);
    else if (a.type === AttrType.FLOAT) out[name] = asFloat(a.f ?? 0);
    else if (a.type === AttrType.FLOATS) out[name] = a.floats.map(asFloat);
    else if (a.type === AttrType.STRING) out[name] = ctx.attrs.string(name);
  }
  return { ...out, ...overrides };
}

/** Every combination of per-axis phases 0 <= p[i] < counts[i]. */
function phases(counts: readonly number[]): number[][] {
  let out: number[][] = [[]];
  for (const c of counts) out = out.flatMap((p) => Array.from({ length: c }, (_, i) => [...p, i]));
  return out;
}

/** onnxruntime's AveragePool divisor along one axis, per output position (0 = no input tap). */
function axisDivisors(win: Window, i: number, len: number, includePad: boolean): number[] {
  const [k, s, d] = [win.kernel[i], win.strides[i], win.dilations[i]];
  return Array.from({ length: win.out[i] }, (_, o) => {
    const start = o * s - win.padBegin[i];
    const end = Math.min(start + k * d, len + win.padEnd[i]);
    let valid = 0;
    for (let t = start; t < end; t += d) if (t >= 0 && t < len) valid++;
    if (valid === 0) return 0;
    return includePad ? 1 + Math.floor((end - start - 1) / d) : valid;
  });
}

/** Next row-major multi-index. */
function advance(pos: number[], dims: readonly number[]): void {
  for (let r = dims.length - 1; r >= 0; r--) {
    if (++pos[r] < dims[r]) return;
    pos[r] = 0;
  }
}

export const poolGrads: Record<string, GradRule> = {
  MaxPool: (ctx) => {
    const dy = ctx.dy[0];
    if (!dy || !ctx.needs[0]) return [null];
    const xd = ctx.xDims(0);
    const yd = ctx.yDims(0);
    // Flat arg-max indices over the whole input (n and c included), row-major: reuse the
    // forward's Indices output when it has that layout, else recompute them.
    const rowMajor = ctx.attrs.int('storage_order', 0) === 0;
    const indices =
      ctx.y[1] && rowMajor ? ctx.y[1] : ctx.b.node('MaxPool', [ctx.x[0]], forwardAttrs(ctx, { storage_order: 0 }), { numOutputs: 2 })[1];
    const zeros = ctx.zeros([sizeOf(xd)]);

    if (ctx.opset >= 16) {
      // Overlapping windows (3x3 stride 2) can pick the same input twice: accumulate.
      const r = ctx.b.op('ScatterElements', [zeros, ctx.reshape(indices, [-1]), ctx.reshape(dy, [-1])], { axis: 0, reduction: 'add' });
      return [ctx.reshape(r, xd)];
    }
    // Before opset 16 scatter cannot accumulate. Outputs whose positions differ by a multiple
    // of m = ceil(dilated kernel / stride) along some axis have disjoint windows, so each
    // stride-phase class scatters without collisions; the classes are then summed.
    if (ctx.opset < 10) ctx.fail('the MaxPool gradient needs opset >= 10 (Scatter and strided Slice)');
    const win = poolWindow(ctx.attrs, xd.slice(2), ctx.fail);
    const m = win.kernel.map((k, i) => Math.min(yd[i + 2], Math.ceil(((k - 1) * win.dilations[i] + 1) / win.strides[i])));
    const axes = axisRange(2, xd.length);
    const scatter = ctx.opset >= 11 ? 'ScatterElements' : 'Scatter';
    const parts = phases(m).map((p) => {
      const pick = (t: string): string => ctx.reshape(m.every((v) => v === 1) ? t : ctx.slice(t, p, yd.slice(2), axes, m), [-1]);
      return ctx.b.op(scatter, [zeros, pick(indices), pick(dy)], { axis: 0 });
    });
    return [ctx.reshape(ctx.sum(parts), xd)];
  },

  AveragePool: (ctx) => {
    const dy = ctx.dy[0]!;
    const { b } = ctx;
    const xd = ctx.xDims(0);
    const win = poolWindow(ctx.attrs, xd.slice(2), ctx.fail);
    const includePad = ctx.attrs.int('count_include_pad', 0) !== 0;
    // 1 / divisor per output position: a product over axes (windows are boxes)
    const perAxis = win.out.map((_, i) => axisDivisors(win, i, xd[i + 2], includePad));
    const inv = tensor(ctx.dtype, win.out);
    const pos = win.out.map(() => 0);
    for (let j = 0; j < inv.data.length; j++, advance(pos, win.out)) {
      const div = pos.reduce((acc, o, i) => acc * perAxis[i][o], 1);
      (inv.data as Float64Array)[j] = div === 0 ? 0 : 1 / div;
    }
    const first = Number(inv.data[0]);
    const uniform = inv.data.every((v) => Number(v) === first);
    const scaled = uniform ? dy : ctx.mul(dy, b.constant(inv, 'avgpool_inv_count'));
    const k = sizeOf(win.kernel);
    if (win.strides.every((s) => s === 1) && win.dilations.every((d) => d === 1)) {
      // Stride 1: the adjoint is a box sum over the flipped (= same) window, i.e. K times an
      // AveragePool with pads k-1-pad that keep every window inside (divisor K throughout).
      // onnxruntime's pooling kernel is far faster than any ConvTranspose here.
      const pads = [...win.padBegin.map((p, i) => win.kernel[i] - 1 - p), ...win.padEnd.map((p, i) => win.kernel[i] - 1 - p)];
      const sum = b.op('AveragePool', [scaled], { kernel_shape: [...win.kernel], pads, count_include_pad: 1 });
      const factor = (uniform ? first : 1) * k;
      return [factor === 1 ? sum : ctx.mul(sum, ctx.scalar(factor))];
    }
    // Each of the N*C planes is pooled on its own: one single-channel ConvTranspose over a
    // batch of N*C planes, with a constant kernel (1/divisor folded in when it is uniform).
    const [n, c] = xd;
    const kernel = tensor(ctx.dtype, [1, 1, ...win.kernel]);
    (kernel.data as Float64Array).fill(uniform ? first : 1);
    const planes = ctx.reshape(scaled, [n * c, 1, ...win.out]);
    const dx = windowAdjoint(ctx, planes, b.constant(kernel, 'avgpool_kernel'), win, xd.slice(2), 1);
    return [ctx.reshape(dx, xd)];
  },

  GlobalAveragePool: (ctx) => {
    // Scale the small [N, C, 1...] tensor first, then broadcast (measured fastest).
    const xd = ctx.xDims(0);
    const scaled = ctx.mul(ctx.dy[0]!, ctx.scalar(1 / sizeOf(xd.slice(2))));
    return [ctx.expand(scaled, xd)];
  },

  GlobalMaxPool: (ctx) => {
    // dY goes to the positions equal to the max, shared evenly among ties (a subgradient).
    const mask = ctx.mask(ctx.equal(ctx.x[0], ctx.y[0]));
    const count = ctx.reduceSum(mask, axisRange(2, ctx.xDims(0).length), true);
    return [ctx.mul(mask, ctx.div(ctx.dy[0]!, count))];
  },
};
