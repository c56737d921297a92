/**
 * The int8-compute form (export/int8.ts) in real onnxruntime, against two independent checks:
 * - the stored int8 weight (the MatMulInteger's weight initializer) is within half a grid
 *   step of dequantize(q) everywhere, on a grid of max |W[:, n]| / 63;
 * - the product equals an emulation of DynamicQuantizeLinear (the ONNX spec's formula) times
 *   those codes, and the float product x dequantize(q) within the bound both roundings give.
 */
import { OnnxModel, rng, tensor, tensorFromProto, type Graph } from '@gradloc/tensor-backend';
import { describe, expect, it } from 'vitest';
import { dequantize } from '../src/quant/dequantize.js';
import { INT8_RANGE } from '../src/export/int8.js';
import { replaceMatMul, storageOf } from '../src/export/replace.js';
import { randomInput, randomQuantized, tinyLinear, type RandomSpec } from './random-quantized.js';

const RUNTIME = { threads: 1, spinning: false } as const;

/** Whole input rows [k, 0..N-1] as outlier positions (the default channel unit). */
const rows = (ks: readonly number[], N: number): [number, number][] => ks.flatMap((k) => Array.from({ length: N }, (_, n) => [k, n] as [number, number]));

/** Round half to even, as ONNX's QuantizeLinear and DynamicQuantizeLinear round. */
function roundEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d > 0.5) return f + 1;
  if (d < 0.5) return f;
  return f % 2 === 0 ? f : f + 1;
}

/** DynamicQuantizeLinear per the ONNX spec: uint8, range widened to contain 0. */
function dynamicQuantize(x: Float32Array): { q: Uint8Array; scale: number; zero: number } {
  let lo = 0;
  let hi = 0;
  for (const v of x) {
    lo = Math.min(lo, v);
    hi = Math.max(hi, v);
  }
  const scale = Math.fround((hi - lo) / 255);
  const zero = Math.min(255, Math.max(0, roundEven(-lo / scale)));
  const q = Uint8Array.from(x, (v) => Math.min(255, Math.max(0, roundEven(v / scale) + zero)));
  return { q, scale, zero };
}

interface Run {
  readonly graph: Graph;
  readonly y: Float32Array;
  readonly codes: Int8Array;
  readonly x: Float32Array;
  readonly M: number;
}

/** q exported as int8 into the tiny linear model; runs it and reads the stored weight. */
async function runInt8(spec: RandomSpec, seed: number, opset = 17): Promise<Run & { q: ReturnType<typeof randomQuantized>; bias: Float32Array }> {
  const q = randomQuantized(seed, spec);
  const t = tinyLinear(q, { opset, rank: 2, seed });
  replaceMatMul(t.graph, t.graph.nodes.find((n) => n.op === 'MatMul')!, q, { format: 'int8' });
  const mm = t.graph.nodes.find((n) => n.op === 'MatMulInteger');
  expect(mm, 'a MatMulInteger').toBeDefined();
  const stored = t.graph.initializers.get(mm!.inputs[1]);
  expect(stored, 'its weight is an initializer').toBeDefined();
  const codes = tensorFromProto(stored!);
  expect([codes.dtype, codes.dims]).toEqual(['int8', [q.K, q.N]]);
  const M = 7;
  const x = randomInput(rng(seed + 1), M * q.K);
  const model = OnnxModel.fromGraph(t.graph, RUNTIME);
  try {
    const out = await model.run({ x: tensor('float32', [M, q.K], x) });
    return { graph: t.graph, y: out[t.y].data as Float32Array, codes: codes.data as Int8Array, x, M, q, bias: t.bias };
  } finally {
    await model.release();
  }
}

function columnScales(w: Float32Array, K: number, N: number): Float64Array {
  const s = new Float64Array(N);
  for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) s[n] = Math.max(s[n], Math.abs(w[k * N + n]));
  return s.map((a) => a / INT8_RANGE);
}

const CASES: [string, RandomSpec, number?][] = [
  ['4 bits, group 16, whole-row outliers', { K: 48, N: 10, bits: 4, group: 16, at: rows([3, 40], 10) }],
  ['4 bits, K = 40 in groups of 16 (last group short), single outliers (opset 18)', { K: 40, N: 9, bits: 4, group: 16, at: [[3, 1], [39, 1], [3, 8]], extra: 4 }, 18],
  ['2 bits, group 32, rows and single outliers (opset 18)', { K: 64, N: 6, bits: 2, group: 32, at: [...rows([5], 6), [9, 2], [60, 0]] }, 18],
  ['3 bits (int32 unpack path), symmetric, no outliers', { K: 36, N: 5, bits: 3, group: 12, symmetric: true }],
  ['8 bits, group 64, whole rows', { K: 128, N: 7, bits: 8, group: 64, at: rows([0, 127], 7) }],
];

describe('int8 form', () => {
  CASES.forEach(([name, spec, opset], i) => {
    it(`${name}: the folded weight is within half a step of dequantize(q)`, async () => {
      const r = await runInt8(spec, 500 + i, opset);
      const { K, N } = r.q;
      const w = dequantize(r.q);
      const s = columnScales(w, K, N);
      let worst = 0;
      for (let k = 0; k < K; k++) {
        for (let n = 0; n < N; n++) {
          const c = r.codes[k * N + n];
          expect(Math.abs(c)).toBeLessThanOrEqual(INT8_RANGE);
          const err = Math.abs(c * s[n] - w[k * N + n]) / s[n];
          worst = Math.max(worst, err);
          expect(err, `w[${k}, ${n}]`).toBeLessThanOrEqual(0.5 + 1e-5);
        }
      }
      // the grid is used: every column's largest weight maps to +-63
      for (let n = 0; n < N; n++) {
        let top = 0;
        for (let k = 0; k < K; k++) top = Math.max(top, Math.abs(r.codes[k * N + n]));
        expect(top).toBe(INT8_RANGE);
      }
      expect(worst).toBeGreaterThan(0.3); // not trivially exact: rounding happened
    });

    it(`${name}: the product is the integer GEMM of the emulated input codes`, async () => {
      const r = await runInt8(spec, 500 + i, opset);
      const { K, N } = r.q;
      const w = dequantize(r.q);
      const s = columnScales(w, K, N);
      const xq = dynamicQuantize(r.x);
      for (let m = 0; m < r.M; m++) {
        for (let n = 0; n < N; n++) {
          let acc = 0;
          let exact = r.bias[n];
          let bound = 0;
          for (let k = 0; k < K; k++) {
            acc += (xq.q[m * K + k] - xq.zero) * r.codes[k * N + n];
            const xv = r.x[m * K + k];
            exact += xv * w[k * N + n];
            // |x w - x' w'| <= |x - x'| |w'| + |x| |w - w'|, x' and w' on their grids
            bound += (xq.scale / 2) * Math.abs(r.codes[k * N + n] * s[n]) + Math.abs(xv) * (s[n] / 2);
          }
          const emulated = acc * xq.scale * s[n] + r.bias[n];
          const y = r.y[m * N + n];
          expect(Math.abs(y - emulated), `y[${m}, ${n}] vs emulation`).toBeLessThanOrEqual(1e-5 * (1 + Math.abs(emulated)));
          expect(Math.abs(y - exact), `y[${m}, ${n}] vs float`).toBeLessThanOrEqual(bound * (1 + 1e-4) + 1e-5);
        }
      }
    });
  });

  it('stores a byte a weight and a float32 scale a column, counted exactly; the outliers are in the bytes', () => {
    const q = randomQuantized(600, { K: 64, N: 80, bits: 4, group: 32, at: [...rows([7], 80), [3, 5]] });
    const s = storageOf(q, 'int8');
    expect([s.codeBits, s.scaleBits, s.zeroBits, s.outlierValueBits, s.outlierIndexBits]).toEqual([8 * 64 * 80, 32 * 80, 0, 0, 0]);
    expect(s.bitsPerWeight).toBeCloseTo(8 + 32 / 64, 12);
    const t = tinyLinear(q, { opset: 17 });
    replaceMatMul(t.graph, t.graph.nodes.find((n) => n.op === 'MatMul')!, q, { format: 'int8' });
    // every initializer of more than 64 elements (shapes and scalars are graph structure) is counted
    const big = [...t.graph.initializers.values()].filter((p) => p.dims.reduce((a, d) => a * Number(d), 1) > 64);
    const bytes = big.reduce((a, p) => a + (p.raw_data?.length ?? 0), 0);
    const bias = 80 * 4; // the tiny model's own bias, not part of the matrix
    expect(bytes - bias).toBe((s.codeBits + s.scaleBits) / 8);
  });

  it('refuses a model below opset 11 (DynamicQuantizeLinear)', () => {
    const plain = randomQuantized(603, { K: 32, N: 4, bits: 4, group: 16 });
    const old = tinyLinear(plain, { opset: 10 });
    expect(() => replaceMatMul(old.graph, old.graph.nodes.find((n) => n.op === 'MatMul')!, plain, { format: 'int8' })).toThrow(/opset >= 11 \(DynamicQuantizeLinear\), the model has 10/);
  });

  it('runs at opset 11 (the lowest it takes), single-weight outliers included', async () => {
    const r = await runInt8({ K: 48, N: 6, bits: 4, group: 16, at: [...rows([5], 6), [9, 2]] }, 604, 11);
    expect(r.codes.length).toBe(48 * 6);
    expect(r.y.every((v) => Number.isFinite(v))).toBe(true);
  });

  it('an all-zero column gets codes 0 (no division by a zero scale)', async () => {
    const spec: RandomSpec = { K: 32, N: 3, bits: 4, group: 16, zeroDense: true, at: [[4, 0]] };
    const r = await runInt8(spec, 602, 18);
    for (let k = 0; k < 32; k++) {
      expect(r.codes[k * 3 + 1]).toBe(0);
      expect(r.codes[k * 3 + 2]).toBe(0);
    }
    expect(r.codes[4 * 3 + 0]).toBe(Math.sign(dequantize(r.q)[4 * 3]) * INT8_RANGE);
    for (const v of r.y) expect(Number.isFinite(v)).toBe(true);
  });
});
