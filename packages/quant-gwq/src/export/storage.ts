/**
 * What a quantized matrix costs on disk, per part, as bit counts of the initializers the
 * export writes. The small int64 shape/axes/constant vectors the unpack graph needs are not
 * counted: they do not grow with the matrix (a few hundred bytes per replaced MatMul).
 */
export interface Storage {
  readonly codeBits: number;
  readonly scaleBits: number;
  readonly zeroBits: number;
  readonly outlierValueBits: number;
  readonly outlierIndexBits: number;
  readonly totalBits: number;
  /** totalBits / (K * N). */
  readonly bitsPerWeight: number;
}

export interface DenseStorage {
  readonly codeBits: number;
  readonly scaleBits: number;
  readonly zeroBits: number;
}

export interface OutlierStorage {
  readonly outlierValueBits: number;
  readonly outlierIndexBits: number;
}

export function totalStorage(K: number, N: number, d: DenseStorage, o: OutlierStorage): Storage {
  const totalBits = d.codeBits + d.scaleBits + d.zeroBits + o.outlierValueBits + o.outlierIndexBits;
  return { ...d, ...o, totalBits, bitsPerWeight: totalBits / (K * N) };
}
