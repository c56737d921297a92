/**
 * The exported graphs in real onnxruntime against the TypeScript reference
 * x * dequantize(q) + bias (float64 accumulation).
 *
 * Tolerance: dequantized weights are exact in float32 ((code - zero) * scale needs <= 19
 * significand bits; FP16 outliers and scales widen exactly), so the only error is float32
 * rounding of the products and sums. Any evaluation order (blocked GEMM, FMA, the separate
 * outlier scatter-add) obeys |fl(y) - y| <= gamma_n * sum |terms| with n the number of
 * roundings along an output (see reference()); we assert that bound and log the max ratio.
 */
import { OnnxModel, protoByteSize, rng, tensor, type Graph } from '@gradloc/tensor-backend';
import { afterAll, describe, expect, it } from 'vitest';
import { dequantize } from '../src/quant/dequantize.js';
import { fromHalfBits } from '../src/quant/half.js';
import { SUPPORTED_BITS, type Bits, type QuantizedMatrix } from '../src/quant/types.js';
import { NBITS_BITS } from '../src/export/matmul-nbits.js';
import { replaceMatMul, resolveFormat, storageOf, type ResolvedFormat } from '../src/export/replace.js';
import { outlierLayout, outlierStorage } from '../src/export/outliers.js';
import { randomInput, randomQuantized, reference, tinyLinear, type RandomSpec } from './random-quantized.js';

const RUNTIME = { threads: 1, spinning: false } as const;
const summary: string[] = [];
afterAll(() => console.log(`max |error| / max ratio to the float32 bound:\n${summary.join('\n')}`));

interface Case {
  readonly spec: RandomSpec;
  readonly format: ResolvedFormat;
  readonly opset?: number;
  readonly rank?: 2 | 3;
}

/** Two outliers in one column (n=1) and two in one row (k=3), plus random ones. */
const tricky = (K: number, N: number): RandomSpec['at'] => [
  [3, 1],
  [K - 1, 1],
  [3, N - 1],
  [0, 0],
];

function productNode(graph: Graph) {
  const node = graph.nodes.find((n) => n.op === 'MatMul');
  if (!node) throw new Error('no MatMul');
  return node;
}

/** Every node input is a graph input, an initializer or an earlier node's output. */
function expectTopological(graph: Graph): void {
  const known = new Set<string>([...graph.inputs.map((i) => i.name), ...graph.initializers.keys(), '']);
  for (const n of graph.nodes) {
    for (const i of n.inputs) expect(known.has(i), `${n.describe()} reads '${i}' before it is produced`).toBe(true);
    for (const o of n.outputs) known.add(o);
  }
  for (const o of graph.outputs) expect(known.has(o.name)).toBe(true);
}

async function runCase(c: Case, seed: number): Promise<{ err: number; ratio: number; graph: Graph }> {
  const q = randomQuantized(seed, c.spec);
  const t = tinyLinear(q, { opset: c.opset, rank: c.rank, exposeProduct: true, seed });
  replaceMatMul(t.graph, productNode(t.graph), q, { format: c.format });
  expectTopological(t.graph);
  expect(t.graph.initializers.has(t.weight)).toBe(false);
  expect(t.graph.nodes.some((n) => n.op === 'MatMulNBits')).toBe(c.format === 'nbits');
  const dims = c.rank === 2 ? [6, q.K] : [2, 3, q.K];
  const x = randomInput(rng(seed + 100), 6 * q.K);
  const model = OnnxModel.fromGraph(t.graph, RUNTIME);
  try {
    const out = await model.run({ x: tensor('float32', dims, x) });
    const ref = reference(q, x, t.bias);
    const y = out[t.y].data as Float32Array;
    expect(out[t.y].dims).toEqual([...dims.slice(0, -1), q.N]);
    let err = 0;
    let ratio = 0;
    for (let i = 0; i < y.length; i++) {
      const e = Math.abs(y[i] - ref.y[i]);
      err = Math.max(err, e);
      ratio = Math.max(ratio, e / ref.bound[i]);
      expect(e, `output ${i}`).toBeLessThanOrEqual(ref.bound[i]);
    }
    // the product (MatMul's original output name) is still there, without the bias
    const p = out[t.product].data as Float32Array;
    for (let i = 0; i < p.length; i++) expect(Math.abs(p[i] + t.bias[i % q.N] - y[i])).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(y[i])));
    return { err, ratio, graph: t.graph };
  } finally {
    await model.release();
  }
}

const SHAPES = [
  { K: 40, N: 12, group: 16 }, // last group short (40 = 2*16 + 8)
  { K: 192, N: 10, group: 128 }, // last group short (192 = 128 + 64)
];

describe('replaceMatMul: every width x format x ragged K x outliers', () => {
  let seed = 1;
  for (const bits of SUPPORTED_BITS) {
    for (const format of ['nbits', 'unpack'] as const) {
      if (format === 'nbits' && !NBITS_BITS.includes(bits)) continue;
      for (const s of SHAPES) {
        for (const outliers of [false, true]) {
          const spec: RandomSpec = { ...s, bits, ...(outliers ? { at: tricky(s.K, s.N), extra: 5 } : {}) };
          const caseSeed = seed++;
          it(`${bits} bits, ${format}, K=${s.K} group ${s.group}, ${outliers ? '9 outliers' : 'no outliers'}`, async () => {
            const { err, ratio } = await runCase({ spec, format }, caseSeed);
            summary.push(`${bits}b ${format.padEnd(6)} K=${String(s.K).padEnd(3)} g${String(s.group).padEnd(3)} ${outliers ? 'outl' : '    '} ${err.toExponential(2)} ${ratio.toFixed(4)}`);
          });
        }
      }
    }
  }

  it('MatMulNBits cannot take 3 bits; packed falls back to unpack; auto is int8 up to 4 bits from opset 11', () => {
    expect(() => resolveFormat({ bits: 3, group: 32 }, 'nbits')).toThrow(/cannot hold 3-bit/);
    expect(resolveFormat({ bits: 3, group: 32 }, 'packed')).toBe('unpack');
    expect(resolveFormat({ bits: 4, group: 32 }, 'packed')).toBe('nbits');
    expect(resolveFormat({ bits: 4, group: 20 }, 'packed')).toBe('unpack');
    expect(resolveFormat({ bits: 2, group: 8 }, 'packed')).toBe('unpack');
    expect(resolveFormat({ bits: 8, group: 16 }, 'unpack')).toBe('unpack');
    for (const bits of [2, 3, 4]) expect(resolveFormat({ bits, group: 32 })).toBe('int8');
    expect(resolveFormat({ bits: 4, group: 32 }, 'auto', 10)).toBe('nbits'); // no DynamicQuantizeLinear before opset 11
    expect(resolveFormat({ bits: 3, group: 32 }, 'auto', 10)).toBe('unpack');
    expect(resolveFormat({ bits: 8, group: 32 })).toBe('nbits'); // a per-column int8 grid is not finer than 8-bit groups
    expect(resolveFormat({ bits: 6, group: 32 })).toBe('unpack');
  });
});

describe('replaceMatMul: layout corners', () => {
  const cases: [string, Case][] = [
    ['group 20 (not a power of two), padded codes shorter than the groups', { spec: { K: 50, N: 7, bits: 3, group: 20, extra: 4 }, format: 'unpack' }],
    ['group 12, padded codes longer than the groups', { spec: { K: 36, N: 5, bits: 2, group: 12, extra: 3 }, format: 'unpack' }],
    ['K < 8', { spec: { K: 5, N: 3, bits: 4, group: 16, at: [[1, 2]] }, format: 'unpack' }],
    ['symmetric zeros, unpack (no zero tensor)', { spec: { K: 64, N: 6, bits: 4, group: 32, symmetric: true, extra: 2 }, format: 'unpack' }],
    ['symmetric zeros, nbits (zero_points omitted)', { spec: { K: 64, N: 6, bits: 4, group: 32, symmetric: true, extra: 2 }, format: 'nbits' }],
    ['rank-2 input, nbits', { spec: { K: 48, N: 4, bits: 2, group: 16, at: tricky(48, 4) }, format: 'nbits', rank: 2 }],
    ['rank-2 input, unpack', { spec: { K: 48, N: 4, bits: 8, group: 16, at: tricky(48, 4) }, format: 'unpack', rank: 2 }],
    ['opset 13 (scatter rounds), unpack', { spec: { K: 40, N: 6, bits: 3, group: 16, at: [[0, 2], [5, 2], [9, 2], [5, 0]], extra: 3 }, format: 'unpack', opset: 13 }],
    ['opset 13 (scatter rounds), nbits', { spec: { K: 40, N: 6, bits: 4, group: 16, at: [[0, 2], [5, 2], [9, 2], [5, 0]] }, format: 'nbits', opset: 13 }],
  ];
  cases.forEach(([name, c], i) => {
    it(name, async () => {
      const { err, ratio } = await runCase(c, 1000 + i);
      summary.push(`${name}: ${err.toExponential(2)} ${ratio.toFixed(4)}`);
    });
  });

  it('keeps the replacement at the MatMul position and the downstream Add after it', () => {
    const q = randomQuantized(7, { K: 40, N: 6, bits: 4, group: 16, extra: 2 });
    for (const format of ['nbits', 'unpack'] as const) {
      const t = tinyLinear(q);
      const [first, add] = [t.graph.nodes[0].op, t.graph.nodes.at(-1)?.op];
      expect([first, add]).toEqual(['MatMul', 'Add']);
      replaceMatMul(t.graph, productNode(t.graph), q, { format });
      expect(t.graph.nodes.at(-1)?.op).toBe('Add');
      expect(t.graph.nodes.filter((n) => n.outputs.includes(t.product))).toHaveLength(1);
      expect(t.graph.opset('com.microsoft')).toBe(format === 'nbits' ? 1 : 0);
      expectTopological(t.graph);
    }
  });

  it('rejects an outlier whose code is not the zero point, and a shape mismatch', () => {
    const q = randomQuantized(9, { K: 32, N: 4, bits: 4, group: 16, at: [[2, 1]] });
    const codes = Uint8Array.from(q.codes);
    codes[1 * 32 + 2] = (codes[1 * 32 + 2] + 1) % 16;
    const t = tinyLinear(q);
    expect(() => replaceMatMul(t.graph, productNode(t.graph), { ...q, codes })).toThrow(/zero point/);
    const other = randomQuantized(9, { K: 32, N: 5, bits: 4, group: 16 });
    expect(() => replaceMatMul(t.graph, productNode(t.graph), other)).toThrow(/\[32, 4\]/);
  });
});

/** Every position of rows `ks` (whole input channels). */
const wholeRows = (ks: readonly number[], N: number): [number, number][] => ks.flatMap((k) => Array.from({ length: N }, (_, n) => [k, n] as [number, number]));

describe('outlier layout: crowded rows as one dense product', () => {
  const ops = (g: Graph): string[] => g.nodes.map((n) => n.op);
  const cases: [string, Case, { dense: number; sparse: boolean }][] = [
    ['whole rows only, nbits, rank 3', { spec: { K: 64, N: 12, bits: 4, group: 32, at: wholeRows([3, 40, 63], 12) }, format: 'nbits' }, { dense: 3, sparse: false }],
    ['whole rows + scattered ones, unpack, rank 2', { spec: { K: 40, N: 9, bits: 3, group: 16, at: [...wholeRows([0, 17], 9), [5, 2], [9, 2]], extra: 3 }, format: 'unpack', rank: 2 }, { dense: 2, sparse: true }],
    ['a row 4/9 full is dense, one 3/9 full stays sparse (opset 13), nbits', { spec: { K: 48, N: 9, bits: 2, group: 16, at: [[7, 0], [7, 3], [7, 5], [7, 8], [20, 1], [20, 2], [20, 6]] }, format: 'nbits', opset: 13 }, { dense: 1, sparse: true }],
  ];
  cases.forEach(([name, c, want], i) => {
    it(name, async () => {
      const q = randomQuantized(2000 + i, c.spec);
      const layout = outlierLayout(q);
      expect(layout.rows.length).toBe(want.dense);
      expect(layout.sparse.value.length > 0).toBe(want.sparse);
      // every outlier lands in exactly one form
      expect(layout.sparse.value.length + [...layout.rowValues].filter((v) => v !== 0).length).toBe(q.outliers.value.length);
      const { err, ratio, graph } = await runCase(c, 2000 + i);
      expect(ops(graph).includes('ScatterElements')).toBe(want.sparse);
      expect(graph.initializers.has('proj.weight.outlier_row_values')).toBe(true);
      summary.push(`dense rows, ${name}: ${err.toExponential(2)} ${ratio.toFixed(4)}`);
    });
  });

  it('storage: each row in the cheaper form (dense: N values + 1 index; sparse: value + 2 indices per entry)', () => {
    const N = 12;
    const q = randomQuantized(3000, { K: 64, N, bits: 4, group: 32, at: [...wholeRows([5], N), [9, 1], [9, 2]] });
    const s = outlierStorage(q);
    expect(s.outlierValueBits).toBe((N + 2) * 16);
    expect(s.outlierIndexBits).toBe(16 + 2 * 32);
  });
});

describe('the outlier correction alone', () => {
  for (const [format, bits] of [['unpack', 3], ['nbits', 4]] as const) {
    it(`is exact (${format}): codes = zeros, only outliers -> the sparse product`, async () => {
      const K = 24;
      const N = 5;
      const q = randomQuantized(21, { K, N, bits, group: 16, zeroDense: true, at: [[3, 1], [20, 1], [3, 4], [0, 0]], extra: 6 });
      const t = tinyLinear(q, { bias: false });
      replaceMatMul(t.graph, productNode(t.graph), q, { format });
      const x = randomInput(rng(22), 6 * K);
      const model = OnnxModel.fromGraph(t.graph, RUNTIME);
      const y = (await model.run({ x: tensor('float32', [2, 3, K], x) }))[t.y].data as Float32Array;
      await model.release();
      // float32 emulation of the scatter-add: 0 + x*v per outlier, in index order
      const want = new Float32Array(6 * N);
      const { k, n, value } = q.outliers;
      for (let m = 0; m < 6; m++) {
        for (let i = 0; i < value.length; i++) {
          want[m * N + n[i]] = Math.fround(want[m * N + n[i]] + Math.fround(x[m * K + k[i]] * fromHalfBits(value[i])));
        }
      }
      expect(Array.from(y)).toEqual(Array.from(want));
      expect(Array.from(y).filter((v) => v !== 0).length).toBeGreaterThan(0);
    });
  }
});

describe('unpack subgraph', () => {
  for (const bits of SUPPORTED_BITS) {
    it(`${bits} bits: the in-graph weight equals dequantize(q) exactly`, async () => {
      const q = randomQuantized(40 + bits, { K: 44, N: 9, bits, group: 16 });
      // x = I (rows 0..K-1) makes the product the weight itself; each output sums one nonzero term
      const t = tinyLinear(q, { rank: 2, bias: false });
      replaceMatMul(t.graph, productNode(t.graph), q, { format: 'unpack' });
      const eye = new Float32Array(44 * 44);
      for (let i = 0; i < 44; i++) eye[i * 44 + i] = 1;
      const model = OnnxModel.fromGraph(t.graph, RUNTIME);
      const y = (await model.run({ x: tensor('float32', [44, 44], eye) }))[t.y].data as Float32Array;
      await model.release();
      expect(Array.from(y)).toEqual(Array.from(dequantize(q)));
    });
  }
});

describe('storageOf', () => {
  const q: QuantizedMatrix = randomQuantized(11, { K: 256, N: 4, bits: 4, group: 128, extra: 3 });

  it('counts K=256, N=4, 4 bits, group 128, 3 outliers by hand', () => {
    // nbits: B 4 cols * 2 blocks * 64 bytes; float32 scales 4*2; zero points 1 byte per column
    // (2 blocks * 4 bits); 3 fp16 values; 3 * (uint16 k + uint16 n)
    const nb = storageOf(q, 'nbits');
    expect(nb).toEqual({ codeBits: 4096, scaleBits: 256, zeroBits: 32, outlierValueBits: 48, outlierIndexBits: 96, totalBits: 4528, bitsPerWeight: 4528 / 1024 });
    // unpack: 4 cols * 32 words * 4 bytes; fp16 scales 4*2; the 8 zeros packed as one 8-code word (4 bytes)
    const up = storageOf(q, 'unpack');
    expect(up).toEqual({ codeBits: 4096, scaleBits: 128, zeroBits: 32, outlierValueBits: 48, outlierIndexBits: 96, totalBits: 4400, bitsPerWeight: 4400 / 1024 });
    expect(storageOf(q, 'packed')).toEqual(nb);
    expect(storageOf({ ...q, bits: 3 } as QuantizedMatrix, 'packed')).toEqual(storageOf({ ...q, bits: 3 } as QuantizedMatrix, 'unpack'));
    // the default (int8): a byte a weight, a float32 scale a column, the outliers inside the bytes
    expect(storageOf(q)).toEqual({ codeBits: 8192, scaleBits: 128, zeroBits: 0, outlierValueBits: 0, outlierIndexBits: 0, totalBits: 8320, bitsPerWeight: 8320 / 1024 });
  });

  it('uses 32-bit indices past 65536', () => {
    const wide = { ...q, N: 70000, outliers: q.outliers } as QuantizedMatrix;
    expect(storageOf(wide, 'unpack').outlierIndexBits).toBe(3 * (16 + 32));
  });

  it('matches the bytes of the initializers the export writes', () => {
    const specs: [RandomSpec, ResolvedFormat][] = [
      [{ K: 256, N: 4, bits: 4, group: 128, extra: 3 }, 'nbits'],
      [{ K: 256, N: 4, bits: 4, group: 128, extra: 3 }, 'unpack'],
      [{ K: 40, N: 12, bits: 3, group: 16, extra: 7 }, 'unpack'],
      [{ K: 40, N: 12, bits: 2, group: 16, symmetric: true }, 'nbits'],
      [{ K: 50, N: 7, bits: 8, group: 20, extra: 1 }, 'unpack'],
    ];
    for (const [spec, format] of specs) {
      const qq = randomQuantized(12, spec);
      const t = tinyLinear(qq, { opset: 17 });
      const before = new Set(t.graph.initializers.keys());
      replaceMatMul(t.graph, productNode(t.graph), qq, { format });
      let data = 0;
      let plumbing = 0;
      for (const [name, init] of t.graph.initializers) {
        if (before.has(name)) continue;
        if (name.startsWith(`${t.weight}.`)) data += protoByteSize(init) * 8;
        else plumbing += protoByteSize(init);
      }
      expect(data, `${format} ${JSON.stringify(spec)}`).toBe(storageOf(qq, format).totalBits);
      expect(plumbing).toBeLessThan(512); // shape/axes/radix constants, independent of the matrix size
    }
  });
});

it('exports the widths MatMulNBits accepts in onnxruntime 1.30', () => {
  expect(NBITS_BITS).toEqual([2, 4, 8] satisfies Bits[]);
});
