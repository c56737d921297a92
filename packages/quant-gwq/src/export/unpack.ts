/**
 * The portable form: packed codes as uint8 initializers, unpacked by standard ONNX ops, so
 * any bit width runs on stock onnxruntime (onnxruntime constant-folds the subgraph into a
 * float weight at session start; the saving is on disk and in download size).
 *
 * Unpacking is integer arithmetic on int32 (Div, Mod, Mul, ReduceSum), which onnxruntime's
 * CPU kernels implement at every opset this exporter emits, so no opset has to be raised
 * for BitShift/BitwiseAnd. When the width divides 8, codes never straddle a byte and each
 * byte is unpacked on its own; 3-bit codes do straddle, so the 3 bytes of a word are first
 * summed into one 24-bit integer (which int32 holds exactly).
 */
import { Emit, GradlocError, type GraphBuilder, tensor } from '@gradloc/tensor-backend';
import { fromHalfBits, toHalfBits } from '../quant/half.js';
import { isSymmetric, packCodes, wordsOf } from '../quant/pack.js';
import { groupsOf, type Bits, type QuantizedMatrix } from '../quant/types.js';
import type { DenseStorage } from './storage.js';

const FLOAT = 1;
const INT32 = 6;

/** Emit's opset-dependent forms cover opsets 11 and later. */
export const MIN_UNPACK_OPSET = 11;

/** Bits stored: dense-packed codes, float16 scales, zeros packed as one stream (none when symmetric). */
export function unpackStorage(q: QuantizedMatrix): DenseStorage {
  const G = groupsOf(q.K, q.group);
  return {
    codeBits: q.N * wordsOf(q.K) * q.bits * 8,
    scaleBits: q.N * G * 16,
    zeroBits: isSymmetric(q) ? 0 : wordsOf(q.N * G) * q.bits * 8,
  };
}

const gcd = (a: number, b: number): number => (b === 0 ? a : gcd(b, a % b));

/**
 * uint8 `packed` [rows, words, bits] (packCodes layout) -> codes [rows, words * 8]: uint8
 * when the width divides 8 (BitShift + Mod on bytes, so the largest temporary is one byte a
 * code), else int32. A unit is the smallest run of whole bytes holding whole codes: 1 byte
 * for 2/4/8 bits, 3 bytes (8 codes) for 3 bits.
 */
export function emitUnpackCodes(b: GraphBuilder, e: Emit, packed: string, rows: number, words: number, bits: Bits): string {
  const unitBytes = bits / gcd(bits, 8);
  const unitCodes = 8 / gcd(bits, 8);
  const units = (words * bits) / unitBytes;
  if (unitBytes === 1) {
    if (unitCodes === 1) return e.reshape(packed, [rows, units]);
    const shifts = tensor('uint8', [unitCodes], Array.from({ length: unitCodes }, (_, j) => j * bits));
    const shifted = b.op('BitShift', [e.reshape(packed, [rows, units, 1]), b.constant(shifts, 'unpack_shifts')], { direction: 'RIGHT' });
    return e.reshape(b.op('Mod', [shifted, b.scalar(2 ** bits, 'uint8', 'unpack_modulus')]), [rows, units * unitCodes]);
  }
  let v = e.cast(e.reshape(packed, [rows, units, unitBytes]), INT32);
  const radix = tensor('int32', [unitBytes], Array.from({ length: unitBytes }, (_, i) => 256 ** i));
  v = e.reduceSum(b.op('Mul', [v, b.constant(radix, 'unpack_radix')]), [2], true);
  const shifts = tensor('int32', [unitCodes], Array.from({ length: unitCodes }, (_, j) => 2 ** (j * bits)));
  v = b.op('Mod', [b.op('Div', [v, b.constant(shifts, 'unpack_shifts')]), b.scalar(2 ** bits, 'int32', 'unpack_modulus')]);
  return e.reshape(v, [rows, units * unitCodes]);
}

/** Scales as float16 bit patterns; the format promises they are FP16-representable. */
function halfScales(q: QuantizedMatrix): Uint16Array {
  const h = new Uint16Array(q.scales.length);
  for (let i = 0; i < h.length; i++) {
    h[i] = toHalfBits(q.scales[i]);
    if (fromHalfBits(h[i]) !== q.scales[i]) throw new GradlocError('BAD_INPUT', `scale ${i} (${q.scales[i]}) is not FP16-representable`);
  }
  return h;
}

/** The stored parts as float32: codes [N, G, group] (zero-padded to whole groups), scales and zero points [N, G, 1] (or a scalar zero point). */
export interface UnpackedParts {
  readonly codes: string;
  readonly scales: string;
  readonly zeros: string;
}

/** Appends the initializers of q (the storage unpackStorage counts) and their unpacking. */
export function emitUnpackedParts(b: GraphBuilder, e: Emit, q: QuantizedMatrix, hint: string): UnpackedParts {
  const opset = b.graph.opset('');
  if (opset < MIN_UNPACK_OPSET) throw new GradlocError('UNSUPPORTED_OP', `the unpack export needs opset >= ${MIN_UNPACK_OPSET}, the model has ${opset}`);
  const { K, N, bits, group } = q;
  const G = groupsOf(K, group);
  const words = wordsOf(K);
  const padded = words * 8;
  const grouped = G * group;

  const packed = b.initializer(tensor('uint8', [N, words, bits], packCodes(q.codes, K, N, bits)), `${hint}.qcodes`);
  let codes = e.cast(emitUnpackCodes(b, e, packed, N, words, bits), FLOAT);
  // [N, words*8] -> [N, G*group], so groups become an axis the scales broadcast along
  if (padded > grouped) codes = e.slice(codes, [0], [grouped], [1]);
  else if (padded < grouped) codes = e.pad(codes, [0, 0, 0, grouped - padded]);
  codes = e.reshape(codes, [N, G, group]);

  const scales = e.cast(b.initializer(tensor('float16', [N, G, 1], halfScales(q)), `${hint}.scales`), FLOAT);
  if (isSymmetric(q)) return { codes, scales, zeros: b.scalar(2 ** (bits - 1), 'float32', 'zero_point') };
  const zw = wordsOf(N * G);
  const zp = b.initializer(tensor('uint8', [1, zw, bits], packCodes(q.zeros, N * G, 1, bits)), `${hint}.qzeros`);
  let z = e.cast(emitUnpackCodes(b, e, zp, 1, zw, bits), FLOAT);
  if (zw * 8 > N * G) z = e.slice(z, [0], [N * G], [1]);
  return { codes, scales, zeros: e.reshape(z, [N, G, 1]) };
}

/** Appends the unpack subgraph; returns the float32 weight [K, N] (outliers not included). */
export function emitUnpackedWeight(b: GraphBuilder, q: QuantizedMatrix, hint: string): string {
  const e = new Emit(b, b.graph.opset(''));
  const { codes, scales, zeros } = emitUnpackedParts(b, e, q, hint);
  const grouped = groupsOf(q.K, q.group) * q.group;
  let w = e.reshape(b.op('Mul', [b.op('Sub', [codes, zeros]), scales]), [q.N, grouped]);
  if (grouped > q.K) w = e.slice(w, [0], [q.K], [1]);
  return e.transpose(w, [1, 0]);
}
