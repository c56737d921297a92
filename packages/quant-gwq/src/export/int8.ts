/**
 * The int8-compute form: the file stores exactly what the unpack form stores (packed codes,
 * FP16 scales, FP16 outliers), and the graph turns it, at session start, into one int8 matrix
 * that onnxruntime multiplies with its integer GEMM (VNNI where the CPU has it):
 *
 *   W  = unpack(codes) with the outliers written in place              (constant-folded)
 *   s  = max_k |W[k, n]| / INT8_RANGE, Wq = round(W / s)                (constant-folded)
 *   Y  = DynamicQuantizeLinear(X) -> MatMulInteger(Xq, Wq) * (sx * s)   (at run time)
 *
 * Standard ONNX ops in the pattern onnxruntime's quantize_dynamic writes, so onnxruntime
 * fuses the run-time part into one com.microsoft DynamicQuantizeMatMul (and other runtimes
 * can still run it). Why it exists: onnxruntime 1.30's CPU MatMulNBits is slower than its
 * FP32 GEMM on small matrices (README, Benchmark); the integer GEMM is faster than both.
 *
 * What it costs in accuracy: the stored 4-bit weights are rounded once more, to a per-column
 * grid of 2 * INT8_RANGE + 1 steps (much finer than a 4-bit group's 15), and each product's
 * input is quantized to uint8 with one scale per call. The result is not the TypeScript
 * dequantization to float32 precision, unlike the other forms; tests bound the difference by
 * an emulation of both roundings.
 */
import { Emit, GradlocError, type GraphBuilder } from '@gradloc/tensor-backend';
import { groupsOf, type QuantizedMatrix } from '../quant/types.js';
import { emitStoredEntries, emitStoredRows, outlierLayout } from './outliers.js';
import { emitUnpackedParts } from './unpack.js';

/**
 * Weight codes span [-63, 63], 7 bits: onnxruntime's uint8 x int8 kernels for AVX2 without
 * VNNI add pairs of products in int16 (vpmaddubsw), which 255 * 127 * 2 overflows and
 * 255 * 63 * 2 does not ("reduce_range" in onnxruntime's quantization docs). The model file
 * must give the same numbers on every x86 CPU, so the range is the one that is exact on all.
 */
export const INT8_RANGE = 63;

/** ScatterElements gained reduction 'max' in opset 18 (the sparse outliers' column maxima). */
const SCATTER_MAX_OPSET = 18;
const INT8 = 3;
const INT32 = 6;
const INT64 = 7;
const FLOAT = 1;
/** QuantizeLinear divides by its scale: a group whose scale is 0 divides by this and gives 0. */
const HUGE = 3.0e38;

/** n zeros made in the graph (an initializer would be stored bytes the storage count does not know). */
const zerosOf = (b: GraphBuilder, e: Emit, dtype: 'float32' | 'int8', n: number): string => e.expand(b.scalar(0, dtype, 'zero'), [n]);

/** QuantizeLinear takes a per-axis scale from opset 13. */
const MIN_INT8_OPSET = 13;

/** Why the int8 form cannot hold q at this opset, or undefined when it can. */
export function int8Refusal(q: QuantizedMatrix, opset: number): string | undefined {
  if (opset < MIN_INT8_OPSET) return `the int8 form needs opset >= ${MIN_INT8_OPSET} (per-axis QuantizeLinear), the model has ${opset}`;
  if (opset < SCATTER_MAX_OPSET && outlierLayout(q).sparse.value.length > 0) return `the int8 form needs opset >= ${SCATTER_MAX_OPSET} for single-weight outliers, the model has ${opset}`;
  return undefined;
}

/**
 * The per-column int8 weight [K, N] and its scales [N], a constant subgraph onnxruntime folds
 * at session start. Written so that folding holds few large temporaries (two float32 copies
 * of the matrix, the rest one byte a weight): each large temporary freed at session start
 * stays in the process's resident memory (glibc keeps freed blocks), so fewer and smaller
 * ones are memory the loaded model does not cost.
 *
 *   d      = codes - zero                  [N, G, group] float
 *   amax_n = max(max_g scale * max|d|, max |outliers in n|)
 *   s_n    = amax_n / INT8_RANGE
 *   Wq     = QuantizeLinear(d, s_n / scale) per group, outliers quantized with s_n and put in
 */
export function emitInt8Weight(b: GraphBuilder, e: Emit, q: QuantizedMatrix, hint: string): { codes: string; scale: string } {
  const { K, N, group } = q;
  const G = groupsOf(K, group);
  const layout = outlierLayout(q);
  const refusal = int8Refusal(q, b.graph.opset(''));
  if (refusal) throw new GradlocError('UNSUPPORTED_OP', refusal);
  const parts = emitUnpackedParts(b, e, q, hint);
  let d = b.op('Sub', [parts.codes, parts.zeros]);
  if (G * group > K) {
    // the last group's padding is not weights: 0 there, or it would widen the column's grid
    // (made in the graph: a stored mask would be bytes the storage count does not know)
    const k = b.op('Range', [b.scalar(0, 'int64', 'zero'), b.scalar(G * group, 'int64', 'grouped'), b.scalar(1, 'int64', 'one')]);
    d = e.mul(d, e.reshape(e.cast(e.less(k, b.scalar(K, 'int64', 'K')), FLOAT), [1, G, group]));
  }
  const dMax = e.max(e.reduce('ReduceMax', d, [2], true), e.neg(e.reduce('ReduceMin', d, [2], true)));
  const maxima = [e.reduce('ReduceMax', e.mul(dMax, parts.scales), [1, 2], false)]; // [N]

  const rows = layout.rows.length > 0 ? emitStoredRows(b, e, q, layout, hint) : undefined;
  if (rows) maxima.push(e.reduce('ReduceMax', e.abs(rows.values), [0], false));
  const sparse = layout.sparse.value.length > 0 ? emitStoredEntries(b, e, q, layout.sparse, hint) : undefined;
  if (sparse) maxima.push(b.op('ScatterElements', [zerosOf(b, e, 'float32', N), sparse.n, e.abs(sparse.values)], { axis: 0, reduction: 'max' }));
  const amax = maxima.length === 1 ? maxima[0] : b.op('Max', maxima);
  const scale = e.div(amax, b.scalar(INT8_RANGE, 'float32', 'int8_range')); // [N]
  // an all-zero column has scale 0: quantize it with 1 (its values are 0 either way)
  const colScale = b.op('Where', [e.greater(scale, b.scalar(0, 'float32', 'zero')), scale, b.scalar(1, 'float32', 'one')]);

  // per group: round(d * scale_g / s_n) = QuantizeLinear(d, s_n / scale_g) along the [N * G] axis
  const groupScale = b.op('Where', [e.greater(parts.scales, b.scalar(0, 'float32', 'zero')), e.div(e.reshape(colScale, [N, 1, 1]), parts.scales), b.scalar(HUGE, 'float32', 'huge')]);
  let w = b.op('QuantizeLinear', [e.reshape(d, [N * G, group]), e.reshape(groupScale, [N * G]), zerosOf(b, e, 'int8', N * G)], { axis: 0 });
  w = e.reshape(w, [N, G * group]);
  if (G * group > K) w = e.slice(w, [0], [K], [1]);

  const quantizeAt = (values: string, scales: string, axis: number, count: number): string =>
    b.op('QuantizeLinear', [values, scales, zerosOf(b, e, 'int8', count)], { axis });
  if (rows) {
    // a stored row holds 0 where the dense part holds the weight and the dense part 0 at
    // every outlier, so the row's codes are the sum of both (added in int32: no int8 Add)
    const r = layout.rows.length;
    const q8 = e.transpose(quantizeAt(rows.values, colScale, 1, N), [1, 0]); // [N, r]
    const cols = b.op('Expand', [e.reshape(rows.idx, [1, r]), b.ints([N, r], 'shape')]);
    const sum = e.cast(e.add(e.cast(b.op('GatherElements', [w, cols], { axis: 1 }), INT32), e.cast(q8, INT32)), INT8);
    w = b.op('ScatterElements', [w, cols, sum], { axis: 1 });
  }
  if (sparse) {
    const q8 = quantizeAt(sparse.values, b.op('Gather', [colScale, sparse.n], { axis: 0 }), 0, layout.sparse.value.length);
    w = b.op('ScatterND', [w, e.concat([e.unsqueeze(sparse.n, [1]), e.unsqueeze(sparse.k, [1])], 1), q8]);
  }
  return { codes: e.transpose(w, [1, 0]), scale: colScale };
}

/** Appends output = X @ W for x [..., K] in the int8-compute form (the pattern onnxruntime fuses). */
export function emitInt8MatMul(b: GraphBuilder, q: QuantizedMatrix, x: string, output: string, hint: string, name?: string): void {
  const e = new Emit(b, b.graph.opset(''));
  const { codes, scale } = emitInt8Weight(b, e, q, hint);
  const [xq, xScale, xZero] = b.node('DynamicQuantizeLinear', [x], {}, { numOutputs: 3 });
  const acc = b.op('MatMulInteger', [xq, codes, xZero], {}, { name });
  b.op('Mul', [e.cast(acc, FLOAT), e.mul(xScale, scale)], {}, { outputs: [output] });
}
