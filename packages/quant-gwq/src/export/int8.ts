/**
 * The int8-compute form: the quantized weight W = dequantize(q) (the low-bit codes with the
 * FP16 outliers in place) rounded once more, at export, to a per-column int8 grid, and stored
 * as it is multiplied; onnxruntime runs each product with its integer GEMM (VNNI where the
 * CPU has it):
 *
 *   s_n = max_k |W[k, n]| / INT8_RANGE,  Wq = round(W / s)                (stored: int8 [K, N], float32 [N])
 *   Y   = DynamicQuantizeLinear(X) -> MatMulInteger(Xq, Wq) * (sx * s)    (at run time)
 *
 * Standard ONNX ops in the pattern onnxruntime's quantize_dynamic writes, so onnxruntime
 * fuses the run-time part into one com.microsoft DynamicQuantizeMatMul (and other runtimes
 * can still run it). Why it exists: onnxruntime 1.30's CPU MatMulNBits is slower than its
 * FP32 GEMM on small matrices (README, Benchmark); the integer GEMM is faster than both.
 *
 * Why the int8 matrix is stored rather than unpacked from the packed codes at session start
 * (what this form did before): onnxruntime's constant folding allocates float32 temporaries
 * of every matrix, and glibc keeps what it frees in the process, so the folded session held
 * more resident memory than the FP32 model (brown-gpt: 60.9 MB against 38.5 MB; stored, 14.3
 * MB). What it costs: the file stores 8 bits a weight plus a float32 scale a column, about a
 * third of FP32 instead of the packed forms' quarter to eighth (storage.ts counts it exactly).
 *
 * What it costs in accuracy: the low-bit weights are rounded to a per-column grid of
 * 2 * INT8_RANGE + 1 steps (much finer than a 4-bit group's 15), and each product's input is
 * quantized to uint8 with one scale per call. Tests bound the difference by an emulation of
 * both roundings.
 */
import { GradlocError, tensor, type GraphBuilder } from '@gradloc/tensor-backend';
import { dequantize } from '../quant/dequantize.js';
import type { QuantizedMatrix } from '../quant/types.js';
import type { DenseStorage } from './storage.js';

/**
 * Weight codes span [-63, 63], 7 bits: onnxruntime's uint8 x int8 kernels for AVX2 without
 * VNNI add pairs of products in int16 (vpmaddubsw), which 255 * 127 * 2 overflows and
 * 255 * 63 * 2 does not ("reduce_range" in onnxruntime's quantization docs). The model file
 * must give the same numbers on every x86 CPU, so the range is the one that is exact on all.
 */
export const INT8_RANGE = 63;

/** DynamicQuantizeLinear is in ONNX from opset 11 (MatMulInteger from 10). */
const MIN_INT8_OPSET = 11;
const FLOAT = 1;

/** Why the int8 form cannot be written at this opset, or undefined when it can. */
export function int8Refusal(opset: number): string | undefined {
  if (opset < MIN_INT8_OPSET) return `the int8 form needs opset >= ${MIN_INT8_OPSET} (DynamicQuantizeLinear), the model has ${opset}`;
  return undefined;
}

/** Round half to even, as ONNX's QuantizeLinear rounds. */
function roundEven(v: number): number {
  const f = Math.floor(v);
  const d = v - f;
  if (d !== 0.5) return d < 0.5 ? f : f + 1;
  return f % 2 === 0 ? f : f + 1;
}

/**
 * The int8 weight [K, N] (row-major) and its per-column scales [N]: QuantizeLinear's
 * arithmetic (float32 division, half to even) on dequantize(q). An all-zero column gets
 * scale 1 (its codes are 0 either way), so no product divides by 0.
 */
export function int8Weight(q: QuantizedMatrix): { codes: Int8Array; scale: Float32Array } {
  const { K, N } = q;
  const w = dequantize(q);
  const scale = new Float32Array(N);
  for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) scale[n] = Math.max(scale[n], Math.abs(w[k * N + n]));
  for (let n = 0; n < N; n++) scale[n] = scale[n] > 0 ? Math.fround(scale[n] / INT8_RANGE) : 1;
  const codes = new Int8Array(K * N);
  for (let k = 0; k < K; k++) {
    for (let n = 0; n < N; n++) {
      const c = roundEven(Math.fround(w[k * N + n] / scale[n]));
      codes[k * N + n] = Math.max(-INT8_RANGE, Math.min(INT8_RANGE, c));
    }
  }
  return { codes, scale };
}

/** What the form stores: a byte a weight and a float32 scale a column (the outliers are in the bytes). */
export const int8Storage = (q: Pick<QuantizedMatrix, 'K' | 'N'>): DenseStorage => ({ codeBits: 8 * q.K * q.N, scaleBits: 32 * q.N, zeroBits: 0 });

/** Appends output = X @ W for x [..., K] in the int8-compute form (the pattern onnxruntime fuses). */
export function emitInt8MatMul(b: GraphBuilder, q: QuantizedMatrix, x: string, output: string, hint: string, name?: string): void {
  const refusal = int8Refusal(b.graph.opset(''));
  if (refusal) throw new GradlocError('UNSUPPORTED_OP', refusal);
  const { codes, scale } = int8Weight(q);
  const wq = b.initializer(tensor('int8', [q.K, q.N], codes), `${hint}.int8`);
  const s = b.initializer(tensor('float32', [q.N], scale), `${hint}.int8_scale`);
  const [xq, xScale, xZero] = b.node('DynamicQuantizeLinear', [x], {}, { numOutputs: 3 });
  const acc = b.op('MatMulInteger', [xq, wq, xZero], {}, { name });
  const accF = b.op('Cast', [acc], { to: FLOAT });
  b.op('Mul', [accF, b.op('Mul', [xScale, s])], {}, { outputs: [output] });
}
