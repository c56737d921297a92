/**
 * The quantized form of one MatMul weight W [K, N] (Y = X W, K input features, N outputs),
 * shared by the quantizers (which produce it) and the ONNX export (which stores it).
 *
 * Groups run along the input dimension K, as in GPTQ/AWQ and onnxruntime's MatMulNBits:
 * output column n has ceil(K / group) groups, group g covering k in [g*group, (g+1)*group).
 * Dequantized value: w[k, n] = (codes[n*K + k] - zeros[n*G + g]) * scales[n*G + g].
 * Outliers are kept in FP16 and applied as a sparse correction; at an outlier's position the
 * code equals the group's zero point, so the dense part contributes exactly 0 there and the
 * effective weight is the FP16 value itself.
 */
export type Bits = 2 | 3 | 4 | 8;
export const SUPPORTED_BITS: readonly Bits[] = [2, 3, 4, 8];

export interface Outliers {
  /** Input-feature index of each outlier (sorted by n, then k). */
  readonly k: Uint32Array;
  /** Output index of each outlier. */
  readonly n: Uint32Array;
  /** IEEE half-precision bit patterns of the kept values. */
  readonly value: Uint16Array;
}

export interface QuantizedMatrix {
  readonly K: number;
  readonly N: number;
  readonly bits: Bits;
  /** Group size along K (the last group may be shorter when group does not divide K). */
  readonly group: number;
  /** codes[n * K + k], each in 0 .. 2^bits - 1 (output-major, the MatMulNBits order). */
  readonly codes: Uint8Array;
  /** scales[n * groups + g]; values are FP16-representable (rounded by the quantizer). */
  readonly scales: Float32Array;
  /** zeros[n * groups + g], integer zero points in 0 .. 2^bits - 1. */
  readonly zeros: Uint8Array;
  readonly outliers: Outliers;
}

export const groupsOf = (K: number, group: number): number => Math.ceil(K / group);
