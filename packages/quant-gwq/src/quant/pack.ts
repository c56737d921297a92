/**
 * Bit packing of quantization codes, in the two layouts the ONNX export stores.
 *
 * Both are little-endian bit streams (code i of a stream at bits [i*b, (i+1)*b), low bits
 * first), which for 2, 4 and 8 bits is the "low nibble first" convention of onnxruntime:
 * - MatMulNBits (com.microsoft): one stream per (output column, block of block_size k),
 *   B uint8 [N, n_blocks, block_size*bits/8], the last block zero-padded; zero points one
 *   stream per output column, ceil(n_blocks*bits/8) bytes each.
 * - Dense (the in-graph unpack path): one stream per output column along k, zero-padded to a
 *   multiple of 8 codes, so every 8 codes are exactly `bits` bytes (an 8b-bit word) and the
 *   graph can rebuild codes from whole bytes.
 */
import { GradlocError } from '@gradloc/tensor-backend';
import { groupsOf, type Bits, type QuantizedMatrix } from './types.js';

/** ORs `bits` low bits of v into buf at bit offset pos (buf starts zeroed). */
function putBits(buf: Uint8Array, pos: number, v: number, bits: number): void {
  while (bits > 0) {
    const sh = pos & 7;
    const take = Math.min(bits, 8 - sh);
    buf[pos >>> 3] |= (v & ((1 << take) - 1)) << sh;
    v >>>= take;
    pos += take;
    bits -= take;
  }
}

function getBits(buf: Uint8Array, pos: number, bits: number): number {
  let v = 0;
  let done = 0;
  while (done < bits) {
    const sh = pos & 7;
    const take = Math.min(bits - done, 8 - sh);
    v |= ((buf[pos >>> 3] >>> sh) & ((1 << take) - 1)) << done;
    pos += take;
    done += take;
  }
  return v;
}

function checkCodes(codes: Uint8Array, bits: Bits, what: string): void {
  const max = (1 << bits) - 1;
  for (let i = 0; i < codes.length; i++) {
    if (codes[i] > max) throw new GradlocError('BAD_INPUT', `${what}[${i}] = ${codes[i]} does not fit in ${bits} bits`);
  }
}

// ---- dense layout (in-graph unpack) ----

/** 8-code words per column of length K. */
export const wordsOf = (K: number): number => Math.ceil(K / 8);

/** Bytes of the dense packing of N columns of K codes. */
export const densePackedBytes = (K: number, N: number, bits: Bits): number => N * wordsOf(K) * bits;

/**
 * codes[n*K + k] -> uint8 [N, ceil(K/8), bits]: column n's codes as a bit stream, every 8
 * consecutive codes forming one little-endian 8b-bit word (code j of a word at bit j*b).
 */
export function packCodes(codes: Uint8Array, K: number, N: number, bits: Bits): Uint8Array {
  if (codes.length !== K * N) throw new GradlocError('SHAPE_MISMATCH', `packCodes: ${codes.length} codes, K*N = ${K * N}`);
  checkCodes(codes, bits, 'codes');
  const row = wordsOf(K) * bits;
  const out = new Uint8Array(N * row);
  for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) putBits(out, (n * row) * 8 + k * bits, codes[n * K + k], bits);
  return out;
}

/** Inverse of packCodes (the zero padding is dropped). */
export function unpackCodes(packed: Uint8Array, K: number, N: number, bits: Bits): Uint8Array {
  const row = wordsOf(K) * bits;
  if (packed.length !== N * row) throw new GradlocError('SHAPE_MISMATCH', `unpackCodes: ${packed.length} bytes, expected ${N * row}`);
  const out = new Uint8Array(K * N);
  for (let n = 0; n < N; n++) for (let k = 0; k < K; k++) out[n * K + k] = getBits(packed, n * row * 8 + k * bits, bits);
  return out;
}

// ---- com.microsoft MatMulNBits layout ----

export interface NBitsPacked {
  readonly K: number;
  readonly N: number;
  readonly bits: Bits;
  readonly blockSize: number;
  readonly nBlocks: number;
  /** Bytes per (column, block): blockSize * bits / 8. */
  readonly blobSize: number;
  /** uint8 [N, nBlocks, blobSize]. */
  readonly B: Uint8Array;
  /** float32 [N * nBlocks]. */
  readonly scales: Float32Array;
  /** uint8 [N * zeroBytesPerColumn], or null when every zero is the default 2^(bits-1). */
  readonly zeroPoints: Uint8Array | null;
  readonly zeroBytesPerColumn: number;
}

/** MatMulNBits's block_size constraint: a power of two, at least 16. */
export const isNBitsBlockSize = (g: number): boolean => g >= 16 && (g & (g - 1)) === 0;

/** True when every zero point is 2^(bits-1), MatMulNBits's default when zero_points is absent. */
export const isSymmetric = (q: QuantizedMatrix): boolean => q.zeros.every((z) => z === 1 << (q.bits - 1));

/** Packs q for MatMulNBits with block_size = q.group. */
export function packMatMulNBits(q: QuantizedMatrix): NBitsPacked {
  const { K, N, bits, group } = q;
  if (!isNBitsBlockSize(group)) throw new GradlocError('BAD_INPUT', `MatMulNBits needs a power-of-two block size >= 16, got group ${group}`);
  checkCodes(q.codes, bits, 'codes');
  checkCodes(q.zeros, bits, 'zeros');
  const nBlocks = groupsOf(K, group);
  const blobSize = (group * bits) / 8;
  const B = new Uint8Array(N * nBlocks * blobSize);
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) {
      const blk = Math.floor(k / group);
      putBits(B, (n * nBlocks + blk) * blobSize * 8 + (k - blk * group) * bits, q.codes[n * K + k], bits);
    }
  }
  const zeroBytesPerColumn = Math.ceil((nBlocks * bits) / 8);
  const zeroPoints = isSymmetric(q) ? null : packZeroPoints(q);
  return { K, N, bits, blockSize: group, nBlocks, blobSize, B, scales: Float32Array.from(q.scales), zeroPoints, zeroBytesPerColumn };
}

/** Zero points one bit stream per output column, ceil(n_blocks * bits / 8) bytes each (MatMulNBits, GatherBlockQuantized). */
export function packZeroPoints(q: QuantizedMatrix): Uint8Array {
  const nBlocks = groupsOf(q.K, q.group);
  const perColumn = Math.ceil((nBlocks * q.bits) / 8);
  const out = new Uint8Array(q.N * perColumn);
  for (let n = 0; n < q.N; n++) for (let g = 0; g < nBlocks; g++) putBits(out, n * perColumn * 8 + g * q.bits, q.zeros[n * nBlocks + g], q.bits);
  return out;
}

/** Codes and zeros back out of a MatMulNBits packing (padding dropped; absent zeros -> 2^(bits-1)). */
export function unpackMatMulNBits(p: NBitsPacked): { codes: Uint8Array; zeros: Uint8Array } {
  const { K, N, bits, blockSize, nBlocks, blobSize } = p;
  const codes = new Uint8Array(K * N);
  for (let n = 0; n < N; n++) {
    for (let k = 0; k < K; k++) {
      const blk = Math.floor(k / blockSize);
      codes[n * K + k] = getBits(p.B, (n * nBlocks + blk) * blobSize * 8 + (k - blk * blockSize) * bits, bits);
    }
  }
  const zeros = new Uint8Array(N * nBlocks).fill(1 << (bits - 1));
  const zp = p.zeroPoints;
  if (zp) for (let n = 0; n < N; n++) for (let g = 0; g < nBlocks; g++) zeros[n * nBlocks + g] = getBits(zp, n * p.zeroBytesPerColumn * 8 + g * bits, bits);
  return { codes, zeros };
}
