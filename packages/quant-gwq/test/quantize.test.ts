/**
 * quantizeGraph end to end, run in onnxruntime:
 * - the exported graph computes the network with dequantize(q) weights, q re-derived in TS from
 *   the same canonical weights (and, for GWQ, the same calibration statistics);
 * - independently of the quantizer's code, its distance to the FP32 model is within a bound
 *   built from the quantization step of each group (max - min) / (2^bits - 1);
 * - the report's bookkeeping; option validation.
 */
import { asFloat, Graph, GraphBuilder, GradlocError, normal, OnnxModel, rng, tensor, tensorFromProto, type Feeds } from '@gradloc/tensor-backend';
import { describe, expect, it } from 'vitest';
import { calibrate } from '../src/calib/calibrate.js';
import { canonicalWeights } from '../src/graph/weight-sites.js';
import { dequantize } from '../src/quant/dequantize.js';
import { outlierMask, type Method, type OutlierUnit } from '../src/quant/methods.js';
import { quantizeRtn } from '../src/quant/rtn.js';
import { quantizeGraph, type QuantizeOptions } from '../src/quantize.js';
import type { Bits } from '../src/quant/types.js';

const RUNTIME = { threads: 1, spinning: false } as const;
const U = 2 ** -24;
const gamma = (n: number): number => (n * U) / (1 - n * U);

const randArr = (seed: number, n: number, std: number): Float32Array => {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => std * normal(r));
};

async function run(g: Graph, feeds: Feeds, output: string): Promise<Float32Array> {
  const m = OnnxModel.fromGraph(g, RUNTIME);
  try {
    return (await m.run(feeds))[output].data as Float32Array;
  } finally {
    await m.release();
  }
}

// ---------------------------------------------------------------------------------------------
// Models

/** MLP: x [batch, 32] -> Gemm(B0 [64, 32], transB, C0, alpha 1, beta 0.5) -> Relu -> MatMul W1 [64, 16] -> y. */
const MLP = { K0: 32, H: 64, N: 16 };
const B0 = randArr(1, MLP.H * MLP.K0, 0.3);
const C0 = randArr(2, MLP.H, 0.5);
const W1 = randArr(3, MLP.H * MLP.N, 0.2);
// a few weights well above the rest, so outlier selection matters
for (const i of [5, 77, 300, 1000]) B0[i] *= 8;
for (const i of [9, 500]) W1[i] *= 8;

function mlp(): Graph {
  const g = Graph.create(17, 'mlp');
  const b = new GraphBuilder(g);
  b.input('x', 'float32', ['batch', MLP.K0]);
  b.initializer(tensor('float32', [MLP.H, MLP.K0], B0), 'fc0.weight');
  b.initializer(tensor('float32', [MLP.H], C0), 'fc0.bias');
  b.initializer(tensor('float32', [MLP.H, MLP.N], W1), 'fc1.weight');
  const h = b.op('Relu', [b.op('Gemm', ['x', 'fc0.weight', 'fc0.bias'], { transB: 1, beta: asFloat(0.5) }, { outputs: ['fc0.out'], name: 'fc0' })], {}, { outputs: ['h'] });
  b.op('MatMul', [h, 'fc1.weight'], {}, { outputs: ['y'], name: 'fc1' });
  b.output('y', 'float32', ['batch', MLP.N]);
  return g;
}
const ROWS = 24;
const xMlp = tensor('float32', [ROWS, MLP.K0], randArr(4, ROWS * MLP.K0, 1));

/** Tied LM: ids -> Gather(wte [32, 16]) -> MatMul W1 [16, 32] -> Relu -> MatMul W2 [32, 16] -> MatMul(., wte^T) -> logits. */
const LM = { V: 32, D: 16, F: 32, B: 2, T: 5 };
const WTE = randArr(5, LM.V * LM.D, 0.5);
const LW1 = randArr(6, LM.D * LM.F, 0.4);
const LW2 = randArr(7, LM.F * LM.D, 0.4);

function lm(): Graph {
  const g = Graph.create(17, 'tied-lm');
  const b = new GraphBuilder(g);
  b.input('input_ids', 'int64', ['batch', 'seq']);
  b.initializer(tensor('float32', [LM.V, LM.D], WTE), 'wte');
  b.initializer(tensor('float32', [LM.D, LM.F], LW1), 'mlp.up');
  b.initializer(tensor('float32', [LM.F, LM.D], LW2), 'mlp.down');
  const x = b.op('Gather', ['wte', 'input_ids'], { axis: 0 }, { outputs: ['emb'] });
  const h = b.op('Relu', [b.op('MatMul', [x, 'mlp.up'])], {}, { outputs: ['act'] });
  const u = b.op('MatMul', [h, 'mlp.down'], {}, { outputs: ['resid'] });
  b.op('MatMul', [u, b.op('Transpose', ['wte'], { perm: [1, 0] })], {}, { outputs: ['logits'] });
  b.output('logits', 'float32', ['batch', 'seq', LM.V]);
  return g;
}
const lmSample = (seed: number): Feeds => {
  const r = rng(seed);
  const ids = Array.from({ length: LM.B * (LM.T + 1) }, () => Math.floor(r() * LM.V));
  const inputs: number[] = [];
  const targets: number[] = [];
  for (let s = 0; s < LM.B; s++) {
    inputs.push(...ids.slice(s * (LM.T + 1), s * (LM.T + 1) + LM.T));
    targets.push(...ids.slice(s * (LM.T + 1) + 1, (s + 1) * (LM.T + 1)));
  }
  return { input_ids: tensor('int64', [LM.B, LM.T], inputs), targets: tensor('int64', [LM.B, LM.T], targets) };
};
const lmCalibration = { loss: { kind: 'lm' as const }, samples: [lmSample(10), lmSample(11), lmSample(12)] };
const lmEval = lmSample(20);

// ---------------------------------------------------------------------------------------------
// TS references

interface Layer {
  /** Row-major [K, N]. */
  readonly W: ArrayLike<number>;
  readonly K: number;
  readonly N: number;
  readonly bias?: ArrayLike<number>;
  readonly relu?: boolean;
}

/**
 * Float64 forward through a chain of dense layers, with a bound on the float32 evaluation
 * error of any summation order: per layer, gamma_n * (sum |x_k w_kn| + |bias|) with
 * n = 3K + 2 roundings (K products and sums, up to 2 per outlier for the sparse scatter-add,
 * the bias), plus the incoming error carried through |W|. ReLU does not increase errors.
 */
function forward(x: ArrayLike<number>, rows: number, layers: readonly Layer[]): { y: Float64Array; err: Float64Array } {
  let v = Float64Array.from(x);
  let e = new Float64Array(v.length);
  for (const L of layers) {
    const y = new Float64Array(rows * L.N);
    const ey = new Float64Array(rows * L.N);
    for (let m = 0; m < rows; m++) {
      for (let n = 0; n < L.N; n++) {
        let s = L.bias ? L.bias[n] : 0;
        let a = Math.abs(s);
        let carried = 0;
        for (let k = 0; k < L.K; k++) {
          const w = L.W[k * L.N + n];
          s += v[m * L.K + k] * w;
          a += Math.abs(v[m * L.K + k] * w);
          carried += e[m * L.K + k] * Math.abs(w);
        }
        y[m * L.N + n] = L.relu ? Math.max(0, s) : s;
        ey[m * L.N + n] = carried + gamma(3 * L.K + 2) * (a + carried);
      }
    }
    v = y;
    e = ey;
  }
  return { y: v, err: e };
}

const initData = (g: Graph, name: string): Float32Array => tensorFromProto(g.initializers.get(name)!).data as Float32Array;

/** The MLP as layers over the given canonical weights [site 0, site 1] (Gemm bias 0.5 * C0). */
const mlpLayers = (w0: ArrayLike<number>, w1: ArrayLike<number>): Layer[] => [
  { W: w0, K: MLP.K0, N: MLP.H, bias: C0.map((c) => Math.fround(0.5 * c)), relu: true },
  { W: w1, K: MLP.H, N: MLP.N },
];

/** Embedding rows of the LM's eval sample (from `table`, default the FP32 one). */
const embed = (f: Feeds, table: ArrayLike<number> = WTE): Float64Array => {
  const ids = Array.from(f.input_ids.data as BigInt64Array, Number);
  const x = new Float64Array(ids.length * LM.D);
  ids.forEach((id, m) => {
    for (let d = 0; d < LM.D; d++) x[m * LM.D + d] = table[id * LM.D + d];
  });
  return x;
};

/** The table [V, D] after RTN in groups along D (what GatherBlockQuantized reads back), row-major. */
function rtnTable(table: Float32Array, V: number, D: number, spec: { bits: Bits; group: number }): Float32Array {
  const t = new Float32Array(V * D);
  for (let v = 0; v < V; v++) for (let d = 0; d < D; d++) t[d * V + v] = table[v * D + d];
  const w = dequantize(quantizeRtn(t, D, V, spec));
  const out = new Float32Array(V * D);
  for (let v = 0; v < V; v++) for (let d = 0; d < D; d++) out[v * D + d] = w[d * V + v];
  return out;
}
const lmLayers = (up: ArrayLike<number>, down: ArrayLike<number>, head: ArrayLike<number>): Layer[] => [
  { W: up, K: LM.D, N: LM.F, relu: true },
  { W: down, K: LM.F, N: LM.D },
  { W: head, K: LM.D, N: LM.V },
];

function expectWithin(got: Float32Array, ref: { y: Float64Array; err: Float64Array }, what: string): number {
  expect(got.length).toBe(ref.y.length);
  let worst = 0;
  for (let i = 0; i < got.length; i++) {
    const d = Math.abs(got[i] - ref.y[i]);
    worst = Math.max(worst, d / ref.err[i]);
    expect(d, `${what}[${i}]`).toBeLessThanOrEqual(ref.err[i]);
  }
  return worst;
}

/**
 * A bound on |w - dequantized w| for RTN without outliers, from the weights alone: the exact
 * step s = (max - min) / maxq of a group (range widened to 0) puts every value within s/2 of
 * the grid; rounding s to FP16 (relative 2^-11) moves the far end of the grid by at most
 * maxq * s * 2^-11 = (max - min) 2^-11. We allow twice that.
 */
function rtnErrorBound(W: ArrayLike<number>, K: number, N: number, bits: number, group: number): Float64Array {
  const maxq = 2 ** bits - 1;
  const b = new Float64Array(K * N);
  for (let n = 0; n < N; n++) {
    for (let k0 = 0; k0 < K; k0 += group) {
      const k1 = Math.min(K, k0 + group);
      let min = 0;
      let max = 0;
      for (let k = k0; k < k1; k++) {
        min = Math.min(min, W[k * N + n]);
        max = Math.max(max, W[k * N + n]);
      }
      for (let k = k0; k < k1; k++) b[k * N + n] = (max - min) / maxq / 2 + (max - min) * 2 ** -10;
    }
  }
  return b;
}

/**
 * |y_q - y_fp| through the chain, from per-weight bounds d: per layer
 * |dy_n| <= sum_k |dx_k| (|w_kn| + d_kn) + |x_k| d_kn (ReLU is 1-Lipschitz), plus the float32
 * error of both evaluations.
 */
function quantBound(x: ArrayLike<number>, rows: number, layers: readonly Layer[], d: readonly Float64Array[]): Float64Array {
  const fp = forward(x, rows, layers);
  let v = Float64Array.from(x);
  let e = new Float64Array(v.length);
  layers.forEach((L, li) => {
    const next = new Float64Array(rows * L.N);
    const en = new Float64Array(rows * L.N);
    for (let m = 0; m < rows; m++) {
      for (let n = 0; n < L.N; n++) {
        let s = L.bias ? L.bias[n] : 0;
        let bound = 0;
        for (let k = 0; k < L.K; k++) {
          const w = L.W[k * L.N + n];
          s += v[m * L.K + k] * w;
          bound += e[m * L.K + k] * (Math.abs(w) + d[li][k * L.N + n]) + Math.abs(v[m * L.K + k]) * d[li][k * L.N + n];
        }
        next[m * L.N + n] = L.relu ? Math.max(0, s) : s;
        en[m * L.N + n] = bound;
      }
    }
    v = next;
    e = en;
  });
  // both runs' float32 error: the FP one's bound twice (the quantized weights are no larger than |w| + d)
  return e.map((b, i) => b * (1 + 1e-6) + 2 * fp.err[i]);
}

// ---------------------------------------------------------------------------------------------

describe('quantizeGraph: the exported graph computes dequantize(q) of the canonical weights', () => {
  const cases: [Method, Bits, number, OutlierUnit][] = [
    ['rtn', 4, 16, 'channel'],
    ['magnitude', 4, 16, 'channel'],
    ['magnitude', 4, 16, 'weight'],
    ['magnitude', 3, 32, 'channel'],
    ['random', 2, 16, 'channel'],
    ['random', 2, 16, 'weight'],
    ['rtn', 8, 32, 'weight'],
  ];
  for (const [method, bits, group, unit] of cases) {
    it(`MLP (Gemm + MatMul), ${method}, ${bits} bits, group ${group}, outlier ${unit}s`, async () => {
      const fraction = unit === 'channel' ? 0.1 : 0.02;
      const { graph, report } = await quantizeGraph(mlp(), { method, bits, group, outliers: fraction, outlierUnit: unit, seed: 3, format: 'packed', runtime: RUNTIME });
      const canon = canonicalWeights(mlp());
      const ws = canon.sites.map((s, i) => {
        const W = initData(canon.graph, s.weight);
        const mask = outlierMask({ method, sensitivity: 'gradient', W, K: s.K, N: s.N, fraction: method === 'rtn' ? 0 : fraction, unit, seed: 3 + i });
        return dequantize(quantizeRtn(W, s.K, s.N, { bits, group }, mask));
      });
      const y = await run(graph, { x: xMlp }, 'y');
      const worst = expectWithin(y, forward(xMlp.data as Float32Array, ROWS, mlpLayers(ws[0], ws[1])), 'y');
      expect(report.matrices.map((m) => m.format)).toEqual(bits === 3 ? ['unpack', 'unpack'] : ['nbits', 'nbits']);
      expect(graph.nodes.some((n) => n.op === 'Gemm')).toBe(false);
      expect(graph.initializers.has('fc0.weight')).toBe(false);
      // channels: whole rows, applied as one dense product (no scatter); weights: a scatter
      const outliers = method !== 'rtn';
      expect(graph.nodes.some((n) => n.op === 'ScatterElements')).toBe(outliers && unit === 'weight');
      if (outliers && unit === 'channel') {
        expect(report.matrices.map((m) => m.outliers)).toEqual(canon.sites.map((s) => Math.round(fraction * s.K) * s.N));
      }
      console.log(`${method} ${bits}b g${group} ${unit}: worst error / float32 bound ${worst.toFixed(4)}`);
    });
  }

  it('by default writes up to 4-bit codes in the int8 form (8-bit ones packed), close to the packed product', async () => {
    const opts = { method: 'magnitude' as const, bits: 4, group: 16, outliers: 0.1, outlierUnit: 'channel' as const, seed: 3, runtime: RUNTIME };
    const [int8, packed] = [await quantizeGraph(mlp(), opts), await quantizeGraph(mlp(), { ...opts, format: 'packed' })];
    expect(int8.report.matrices.map((m) => m.format)).toEqual(['int8', 'int8']);
    expect(int8.graph.nodes.filter((n) => n.op === 'MatMulInteger').length).toBe(2);
    expect(int8.graph.nodes.some((n) => n.op === 'MatMulNBits')).toBe(false);
    // a byte a weight and a float32 scale a column, exactly
    for (const m of int8.report.matrices) expect(m.bitsPerWeight).toBeCloseTo(8 + 32 / m.K, 12);
    const [a, b] = [await run(int8.graph, { x: xMlp }, 'y'), await run(packed.graph, { x: xMlp }, 'y')];
    let num = 0;
    let den = 0;
    for (let i = 0; i < a.length; i++) {
      num += (a[i] - b[i]) ** 2;
      den += b[i] ** 2;
    }
    // two roundings (weights to the column's int8 grid, inputs to uint8): about 1% of the output here
    expect(Math.sqrt(num / den)).toBeLessThan(0.03);
    expect(Math.sqrt(num / den)).toBeGreaterThan(0); // the int8 form really ran
    const eight = await quantizeGraph(mlp(), { ...opts, bits: 8 });
    expect(eight.report.matrices.map((m) => m.format)).toEqual(['nbits', 'nbits']);
  });

  for (const embeddings of [false, true]) {
    it(`tied-head LM, gwq with 'lm' calibration: the masks follow the head's own gradients (${embeddings ? 'quantized' : 'FP32'} embeddings)`, async () => {
      const fraction = 0.03;
      const spec = { bits: 4 as const, group: 16 };
      const { graph, report } = await quantizeGraph(lm(), { method: 'gwq', ...spec, outliers: fraction, outlierUnit: 'weight', embeddings, calibration: lmCalibration, format: 'packed', runtime: RUNTIME });
      expect(report.matrices.map((m) => [m.weight, m.K, m.N])).toEqual([
        ['mlp.up', 16, 32],
        ['mlp.down', 32, 16],
        ['wte.T', 16, 32],
      ]);
      expect(report.calibSamples).toBe(3);
      expect(report.sensitivity).toBe('gradient');
      expect(report.embeddings.map((e) => [e.weight, e.V, e.D])).toEqual(embeddings ? [['wte', LM.V, LM.D]] : []);
      // the head has its own quantized copy either way; the Gather reads the FP32 table or its RTN codes
      if (embeddings) expect(graph.nodes.some((n) => n.op === 'GatherBlockQuantized')).toBe(true);
      else expect(Array.from(initData(graph, 'wte'))).toEqual(Array.from(WTE));
      const canon = canonicalWeights(lm());
      const cal = await calibrate(canon.graph, canon.sites, { ...lmCalibration, runtime: RUNTIME });
      const ws = canon.sites.map((s) => {
        const W = initData(canon.graph, s.weight);
        const mask = outlierMask({ method: 'gwq', sensitivity: 'gradient', W, K: s.K, N: s.N, fraction, unit: 'weight', seed: 0, grads: cal.weights.get(s.weight) });
        return dequantize(quantizeRtn(W, s.K, s.N, spec, mask));
      });
      const logits = await run(graph, { input_ids: lmEval.input_ids }, 'logits');
      const table = embeddings ? rtnTable(WTE, LM.V, LM.D, spec) : WTE;
      expectWithin(logits, forward(embed(lmEval, table), LM.B * LM.T, lmLayers(ws[0], ws[1], ws[2])), 'logits');
    });
  }
});

describe('quantizeGraph: distance to the FP32 model', () => {
  const fpY = async (): Promise<Float32Array> => run(mlp(), { x: xMlp }, 'y');

  for (const bits of [4, 8] as const) {
    it(`RTN ${bits} bits is within the bound implied by the group steps`, async () => {
      const group = 16;
      const { graph } = await quantizeGraph(mlp(), { method: 'rtn', bits, group, runtime: RUNTIME });
      const canon = canonicalWeights(mlp());
      const W = canon.sites.map((s) => initData(canon.graph, s.weight));
      const d = canon.sites.map((s, i) => rtnErrorBound(W[i], s.K, s.N, bits, group));
      const bound = quantBound(xMlp.data as Float32Array, ROWS, mlpLayers(W[0], W[1]), d);
      const [yq, yf] = [await run(graph, { x: xMlp }, 'y'), await fpY()];
      let ratio = 0;
      let ss = 0;
      let sy = 0;
      for (let i = 0; i < yq.length; i++) {
        const e = Math.abs(yq[i] - yf[i]);
        expect(e, `y[${i}]`).toBeLessThanOrEqual(bound[i]);
        ratio = Math.max(ratio, e / bound[i]);
        ss += e * e;
        sy += yf[i] * yf[i];
      }
      const rel = Math.sqrt(ss / sy);
      console.log(`RTN ${bits}b: worst error / bound ${ratio.toFixed(3)}, relative RMS error ${rel.toExponential(2)}`);
      // 8 bits: steps of ~range/255 -> well under 1% of the output; 4 bits is ~17x coarser
      expect(rel).toBeLessThan(bits === 8 ? 0.01 : 0.15);
    });
  }

  it('outliers and GPTQ lower the error at 3 bits (MLP, distill calibration)', async () => {
    const yf = await fpY();
    const calibration = { loss: { kind: 'distill' as const, outputs: { y: 'softmax' as const } }, samples: [{ x: xMlp }] };
    const err = async (opts: QuantizeOptions): Promise<number> => {
      const y = await run((await quantizeGraph(mlp(), { bits: 3, group: 32, runtime: RUNTIME, ...opts })).graph, { x: xMlp }, 'y');
      return Math.sqrt(y.reduce((s, v, i) => s + (v - yf[i]) ** 2, 0));
    };
    const rtn = await err({ method: 'rtn' });
    const mag = await err({ method: 'magnitude', outliers: 0.02, outlierUnit: 'weight' });
    const magRows = await err({ method: 'magnitude', outliers: 0.05 });
    const gptq = await err({ method: 'rtn', gptq: true, calibration });
    const res = await quantizeGraph(mlp(), { method: 'hessian', bits: 3, group: 32, outliers: 0.02, outlierUnit: 'weight', gptq: true, calibration, runtime: RUNTIME });
    console.log(`3 bits, ||y - y_fp||: rtn ${rtn.toFixed(3)}, magnitude ${mag.toFixed(3)} (channels ${magRows.toFixed(3)}), rtn+gptq ${gptq.toFixed(3)}`);
    expect(mag).toBeLessThan(rtn);
    expect(magRows).toBeLessThan(rtn);
    expect(gptq).toBeLessThan(rtn);
    expect(res.report.gptq).toBe(true);
    expect(res.report.calibSamples).toBe(1);
    expect(res.report.matrices.map((m) => m.outliers)).toEqual([Math.round(0.02 * 32 * 64), Math.round(0.02 * 64 * 16)]);
  });
});

describe('quantizeGraph: report', () => {
  it('bitsPerWeight is the weight-count-weighted mean of the matrices; outlierFraction counts round(f K N)', async () => {
    for (const [method, bits, fraction] of [
      ['magnitude', 4, 0.013],
      ['random', 3, 0.05],
      ['magnitude', 2, 0.0],
    ] as const) {
      const { report } = await quantizeGraph(mlp(), { method, bits, group: 16, outliers: fraction, outlierUnit: 'weight', runtime: RUNTIME });
      const sizes = [MLP.K0 * MLP.H, MLP.H * MLP.N];
      expect(report.weights).toBe(sizes[0] + sizes[1]);
      expect(report.matrices.map((m) => m.K * m.N)).toEqual(sizes);
      const mean = report.matrices.reduce((s, m) => s + m.bitsPerWeight * m.K * m.N, 0) / report.weights;
      expect(report.bitsPerWeight).toBeCloseTo(mean, 10);
      const counts = sizes.map((n) => Math.round(fraction * n));
      expect(report.matrices.map((m) => m.outliers)).toEqual(counts);
      expect(report.outlierFraction).toBe((counts[0] + counts[1]) / report.weights);
      expect(report.bitsPerWeight).toBeGreaterThan(bits);
      expect([report.method, report.bits, report.group, report.gptq, report.sensitivity]).toEqual([method, bits, 16, false, null]);
    }
  });

  it('rtn keeps no outliers whatever the outlier option says', async () => {
    const { report } = await quantizeGraph(mlp(), { method: 'rtn', bits: 4, group: 16, outliers: 0.1, runtime: RUNTIME });
    expect(report.outlierFraction).toBe(0);
    expect(report.matrices.every((m) => m.outliers === 0)).toBe(true);
    expect(report.calibSamples).toBe(0);
  });

  it('progress reports each matrix', async () => {
    const seen: string[] = [];
    await quantizeGraph(mlp(), { method: 'rtn', bits: 4, group: 16, runtime: RUNTIME, onProgress: (stage, d, t) => seen.push(`${stage} ${d}/${t}`) });
    expect(seen).toEqual(['quantize 1/2', 'quantize 2/2']);
  });
});

describe('quantizeGraph: validation', () => {
  const code = async (opts: QuantizeOptions, g: Graph = mlp()): Promise<string | undefined> => {
    try {
      await quantizeGraph(g, { runtime: RUNTIME, ...opts });
    } catch (e) {
      expect(e).toBeInstanceOf(GradlocError);
      return `${(e as GradlocError).code}: ${(e as Error).message}`;
    }
    return undefined;
  };

  it('methods that need calibration throw BAD_INPUT without samples', async () => {
    expect(await code({ method: 'gwq' })).toMatch(/^BAD_INPUT: method 'gwq' needs calibration samples/);
    expect(await code({ method: 'hessian' })).toMatch(/^BAD_INPUT: method 'hessian' needs calibration samples/);
    expect(await code({ method: 'rtn', gptq: true })).toMatch(/^BAD_INPUT: .*GPTQ needs calibration samples/);
    expect(await code({ method: 'magnitude', gptq: true })).toMatch(/^BAD_INPUT/);
    // no outliers kept and no GPTQ: nothing to calibrate
    expect(await code({ method: 'gwq', outliers: 0, group: 16 })).toBeUndefined();
    expect(await code({ method: 'magnitude', group: 16 })).toBeUndefined();
  });

  it('bad bits, group and outlier fraction are BAD_INPUT', async () => {
    for (const bits of [1, 5, 6, 16, 2.5]) expect(await code({ method: 'rtn', bits })).toMatch(/^BAD_INPUT: bits/);
    for (const group of [8, 20, 0, -16, 48, 16.5]) expect(await code({ method: 'rtn', group })).toMatch(/^BAD_INPUT: group/);
    for (const outliers of [-0.01, 1, 1.5, NaN]) expect(await code({ method: 'magnitude', group: 16, outliers })).toMatch(/^BAD_INPUT: outliers/);
  });

  it('a model with nothing to quantize is BAD_MODEL', async () => {
    const g = Graph.create(17, 'none');
    const b = new GraphBuilder(g);
    b.input('x', 'float32', ['batch', 4]);
    b.op('Relu', ['x'], {}, { outputs: ['y'] });
    b.output('y', 'float32', ['batch', 4]);
    expect(await code({ method: 'rtn' }, g)).toMatch(/^BAD_MODEL/);
  });

  it('the source graph is not modified', async () => {
    const g = mlp();
    const before = JSON.stringify(g.nodes.map((n) => [n.op, n.inputs, n.outputs]));
    await quantizeGraph(g, { method: 'magnitude', group: 16, runtime: RUNTIME });
    expect(JSON.stringify(g.nodes.map((n) => [n.op, n.inputs, n.outputs]))).toBe(before);
    expect(Array.from(initData(g, 'fc0.weight'))).toEqual(Array.from(B0));
  });
});
