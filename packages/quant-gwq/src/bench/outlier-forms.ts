/**
 * The outlier forms the export could use, timed on single matrices of brown-gpt's shapes (a
 * block's [192, 576] and the tied head's [192, 10000]) at M = 1 and M = 64: how the choice of
 * `outlierUnit` was made. Every form adds the same share of FP16 values (about 1%) to the same
 * 4-bit MatMulNBits product:
 * - channels: round(1% K) whole rows, one Gather + MatMul + Add (the default);
 * - weights: 1% single weights, scatter-added (ScatterElements reduction 'add');
 * - per column: the same count in every output column (c = round(1% K)), gathered into
 *   [M, N, c], multiplied and summed (Gather + Mul + ReduceSum + Add): dense ops, no scatter.
 *   Not offered by the package (the measurement below is why); built here only to time it.
 * And, for comparison, the default int8 form, where outliers cost nothing at run time (they
 * are written into the int8 matrix).
 */
import { createSession, Emit, encodeModel, Graph, GraphBuilder, rng, tensor, type Session } from '@gradloc/tensor-backend';
import { timeInterleaved, type Timing } from '@gradloc/bench-kit';
import { quantizeGraph } from '../quantize.js';

export const FORM_SHAPES: readonly (readonly [number, number])[] = [
  [192, 576],
  [192, 10_000],
];
export const FORMS = ['FP32', '4-bit, no outliers', 'channels', 'weights', 'per column', 'int8 form, channels'] as const;
export type Form = (typeof FORMS)[number];

function linear(K: number, N: number): Graph {
  const g = Graph.create(17, 'linear');
  const b = new GraphBuilder(g);
  const r = rng(K * 31 + N);
  const w = b.initializer(tensor('float32', [K, N], Float32Array.from({ length: K * N }, () => r() - 0.5)), 'w');
  b.output(b.op('MatMul', [b.input('x', 'float32', [1, 'T', K]), w], {}, { outputs: ['y'] }), 'float32', [1, 'T', N]);
  return g;
}

/** The 4-bit product with c outliers in every column, as Gather [M, N c] -> Mul -> ReduceSum over c -> Add. */
async function perColumn(K: number, N: number): Promise<Graph> {
  const g = (await quantizeGraph(linear(K, N), { method: 'rtn', bits: 4, group: 64, embeddings: false, format: 'packed' })).graph;
  const node = g.nodes.find((n) => n.op === 'MatMulNBits')!;
  node.outputs[0] = 'dense';
  const b = new GraphBuilder(g);
  const e = new Emit(b, 17);
  const c = Math.max(1, Math.round(0.01 * K));
  const r = rng(7);
  const k = b.initializer(tensor('int64', [N * c], Array.from({ length: N * c }, () => Math.floor(r() * K))), 'outlier_k');
  const v = e.cast(b.initializer(tensor('float16', [N * c], Uint16Array.from({ length: N * c }, () => 0x3c00)), 'outlier_values'), 1);
  const t = e.mul(b.op('Gather', ['x', k], { axis: -1 }), v);
  const sum = b.op('ReduceSum', [b.op('Reshape', [t, b.ints([0, 0, N, c], 'shape')]), b.ints([-1], 'axes')], { keepdims: 0 });
  b.op('Add', ['dense', sum], {}, { outputs: ['y'] });
  return g;
}

async function formGraph(form: Form, K: number, N: number): Promise<Graph> {
  const base = { bits: 4, group: 64, embeddings: false, format: 'packed' } as const;
  switch (form) {
    case 'FP32':
      return linear(K, N);
    case '4-bit, no outliers':
      return (await quantizeGraph(linear(K, N), { ...base, method: 'rtn' })).graph;
    case 'channels':
    case 'weights':
      // magnitude outliers: no calibration needed, and where they sit does not change the cost
      return (await quantizeGraph(linear(K, N), { ...base, method: 'magnitude', outliers: 0.01, outlierUnit: form === 'channels' ? 'channel' : 'weight' })).graph;
    case 'per column':
      return perColumn(K, N);
    case 'int8 form, channels':
      return (await quantizeGraph(linear(K, N), { ...base, format: 'int8', method: 'magnitude', outliers: 0.01, outlierUnit: 'channel' })).graph;
  }
}

/** Median latency per shape, form and M (keys `${K}x${N}|${form}|${M}`), interleaved. */
export async function outlierFormLatencies(runs: number): Promise<Record<string, Timing>> {
  const sessions: Session[] = [];
  const fns: Record<string, () => Promise<unknown>> = {};
  try {
    for (const [K, N] of FORM_SHAPES) {
      const r = rng(K + N);
      const xs = [1, 64].map((M) => [M, tensor('float32', [1, M, K], Float32Array.from({ length: M * K }, () => r() - 0.5))] as const);
      for (const form of FORMS) {
        const s = await createSession(encodeModel((await formGraph(form, K, N)).toModel()), { threads: 2 });
        sessions.push(s);
        for (const [M, x] of xs) fns[`${K}x${N}|${form}|${M}`] = () => s.run({ x }, ['y']);
      }
    }
    return await timeInterleaved(fns, runs, 3);
  } finally {
    for (const s of sessions) await s.release();
  }
}
