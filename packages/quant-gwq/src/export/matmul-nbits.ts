/**
 * The com.microsoft MatMulNBits form: onnxruntime's fused dequantize-and-multiply kernel,
 * which keeps the packed weight packed at run time (the in-graph unpack form is
 * constant-folded back to a float matrix at session start).
 */
import { GraphBuilder, tensor } from '@gradloc/tensor-backend';
import { isNBitsBlockSize, isSymmetric, packMatMulNBits } from '../quant/pack.js';
import { groupsOf, type Bits, type QuantizedMatrix } from '../quant/types.js';
import type { DenseStorage } from './storage.js';

export const MS_DOMAIN = 'com.microsoft';

/**
 * Bit widths onnxruntime-node 1.30's CPU MatMulNBits accepts. Measured: 2, 4 and 8 load and
 * match the reference; 3 fails at session creation ("Only 2b, 4b and 8b quantization is
 * supported for MatMulNBits op").
 */
export const NBITS_BITS: readonly Bits[] = [2, 4, 8];

/** True when MatMulNBits can hold q: a supported width and block_size = group a power of two >= 16. */
export const nbitsSupports = (q: Pick<QuantizedMatrix, 'bits' | 'group'>): boolean => NBITS_BITS.includes(q.bits) && isNBitsBlockSize(q.group);

/** Bits stored: B [N, n_blocks, blob], float32 scales, packed zero points (none when symmetric). */
export function nbitsStorage(q: QuantizedMatrix): DenseStorage {
  const nBlocks = groupsOf(q.K, q.group);
  return {
    codeBits: q.N * nBlocks * q.group * q.bits,
    scaleBits: q.N * nBlocks * 32,
    zeroBits: isSymmetric(q) ? 0 : q.N * Math.ceil((nBlocks * q.bits) / 8) * 8,
  };
}

/** Appends MatMulNBits(x) -> `output` (and the com.microsoft opset import). */
export function emitMatMulNBits(b: GraphBuilder, q: QuantizedMatrix, x: string, output: string, hint: string, accuracyLevel = 0, name?: string): void {
  const p = packMatMulNBits(q);
  const inputs = [
    x,
    b.initializer(tensor('uint8', [q.N, p.nBlocks, p.blobSize], p.B), `${hint}.qweight`),
    b.initializer(tensor('float32', [q.N * p.nBlocks], p.scales), `${hint}.scales`),
  ];
  if (p.zeroPoints) inputs.push(b.initializer(tensor('uint8', [p.zeroPoints.length], p.zeroPoints), `${hint}.zero_points`));
  b.node('MatMulNBits', inputs, { K: q.K, N: q.N, bits: q.bits, block_size: q.group, accuracy_level: accuracyLevel }, { domain: MS_DOMAIN, outputs: [output], name });
  if (!b.graph.opsets.has(MS_DOMAIN)) b.graph.opsets.set(MS_DOMAIN, 1);
}
