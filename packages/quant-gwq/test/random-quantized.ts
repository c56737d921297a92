/**
 * Seeded random QuantizedMatrix inputs and the tiny model the export tests rewrite:
 * x [batch, seq, K] -> MatMul(W) -> Add(bias) -> y, with the reference output computed in TS
 * (float64 accumulation) from dequantize(q).
 */
import { Graph, GraphBuilder, normal, rng, tensor, type Rand } from '@gradloc/tensor-backend';
import { roundHalf, toHalfBits } from '../src/quant/half.js';
import { dequantize } from '../src/quant/dequantize.js';
import { groupsOf, type Bits, type QuantizedMatrix } from '../src/quant/types.js';

export interface RandomSpec {
  readonly K: number;
  readonly N: number;
  readonly bits: Bits;
  readonly group: number;
  /** Outlier positions [k, n] that must be present (e.g. two in one column). */
  readonly at?: readonly (readonly [number, number])[];
  /** Extra outliers at random distinct positions. */
  readonly extra?: number;
  /** All zero points 2^(bits-1) (MatMulNBits's default). */
  readonly symmetric?: boolean;
  /** Codes equal to the zero points: the dense part contributes nothing. */
  readonly zeroDense?: boolean;
}

export function randomQuantized(seed: number, s: RandomSpec): QuantizedMatrix {
  const r = rng(seed);
  const { K, N, bits, group } = s;
  const G = groupsOf(K, group);
  const levels = 1 << bits;
  const zeros = Uint8Array.from({ length: N * G }, () => (s.symmetric ? levels >> 1 : Math.floor(r() * levels)));
  // scales spread over a few binades, rounded to FP16 as the quantizers do
  const scales = Float32Array.from({ length: N * G }, () => roundHalf(0.002 + 0.05 * r() * 2 ** Math.floor(r() * 4)));
  const codes = new Uint8Array(K * N);
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) codes[n * K + k] = s.zeroDense ? zeros[n * G + Math.floor(k / group)] : Math.floor(r() * levels);
  }
  const pos = new Set<number>();
  for (const [k, n] of s.at ?? []) pos.add(n * K + k);
  for (let i = 0; i < (s.extra ?? 0); ) {
    const p = Math.floor(r() * K * N);
    if (!pos.has(p)) {
      pos.add(p);
      i++;
    }
  }
  const sorted = [...pos].sort((a, b) => a - b); // by n, then k
  for (const p of sorted) codes[p] = zeros[Math.floor(p / K) * G + Math.floor((p % K) / group)];
  return {
    K,
    N,
    bits,
    group,
    codes,
    scales,
    zeros,
    outliers: {
      k: Uint32Array.from(sorted, (p) => p % K),
      n: Uint32Array.from(sorted, (p) => Math.floor(p / K)),
      value: Uint16Array.from(sorted, () => toHalfBits(2 * normal(r))),
    },
  };
}

export interface TinyLinear {
  readonly graph: Graph;
  readonly x: string;
  /** The MatMul's output (also a graph output when `exposeProduct`). */
  readonly product: string;
  readonly y: string;
  readonly bias: Float32Array;
  readonly weight: string;
}

/** x [batch, seq, K] (or [rows, K] when rank 2) -> MatMul(W = dequantize(q)) -> Add bias -> y. */
export function tinyLinear(q: QuantizedMatrix, o: { opset?: number; rank?: 2 | 3; exposeProduct?: boolean; bias?: boolean; seed?: number } = {}): TinyLinear {
  const graph = Graph.create(o.opset ?? 17, 'tiny-linear');
  const b = new GraphBuilder(graph);
  const x = b.input('x', 'float32', o.rank === 2 ? ['rows', q.K] : ['batch', 'seq', q.K]);
  const weight = b.initializer(tensor('float32', [q.K, q.N], dequantize(q)), 'proj.weight');
  const product = b.op('MatMul', [x, weight], {}, { outputs: ['proj.out'], name: 'proj' });
  const r = rng(o.seed ?? 5);
  const bias = o.bias === false ? new Float32Array(q.N) : Float32Array.from({ length: q.N }, () => normal(r));
  const y = o.bias === false ? product : b.op('Add', [product, b.initializer(tensor('float32', [q.N], bias), 'proj.bias')], {}, { outputs: ['y'] });
  const dims = o.rank === 2 ? ['rows', q.N] : ['batch', 'seq', q.N];
  b.output(y, 'float32', dims);
  if (o.exposeProduct && y !== product) b.output(product, 'float32', dims);
  return { graph, x, product, y, bias, weight };
}

export const randomInput = (r: Rand, n: number): Float32Array => Float32Array.from({ length: n }, () => normal(r));

export interface Reference {
  /** x W + bias in float64. */
  readonly y: Float64Array;
  /**
   * Worst-case float32 error of any evaluation order: gamma_n * sum |terms| with
   * gamma_n = n u / (1 - n u), u = 2^-24, n = number of roundings along one output
   * (K products/additions, 2 per outlier in its column, 1 for the bias).
   */
  readonly bound: Float64Array;
}

export function reference(q: QuantizedMatrix, x: Float32Array, bias: Float32Array): Reference {
  const { K, N } = q;
  const w = dequantize(q);
  const M = x.length / K;
  const perColumn = new Uint32Array(N);
  for (const n of q.outliers.n) perColumn[n]++;
  const y = new Float64Array(M * N);
  const bound = new Float64Array(M * N);
  const u = 2 ** -24;
  for (let m = 0; m < M; m++) {
    for (let n = 0; n < N; n++) {
      let s = bias[n];
      let a = Math.abs(bias[n]);
      for (let k = 0; k < K; k++) {
        const t = x[m * K + k] * w[k * N + n];
        s += t;
        a += Math.abs(t);
      }
      const rounds = K + 2 * perColumn[n] + 1;
      y[m * N + n] = s;
      bound[m * N + n] = ((rounds * u) / (1 - rounds * u)) * a;
    }
  }
  return { y, bound };
}
