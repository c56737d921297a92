/**
 * Structural checks of a QuantizedMatrix before it is written into a model: a wrong length
 * or an out-of-range index would otherwise surface as an opaque onnxruntime error, or not
 * at all (an outlier whose code is not its zero point silently double-counts a weight).
 */
import { GradlocError } from '@gradloc/tensor-backend';
import { groupsOf, SUPPORTED_BITS, type QuantizedMatrix } from './types.js';

export function validateQuantized(q: QuantizedMatrix): void {
  const bad = (msg: string): never => {
    throw new GradlocError('BAD_INPUT', `quantized matrix [${q.K}, ${q.N}]: ${msg}`);
  };
  if (!SUPPORTED_BITS.includes(q.bits)) bad(`bits must be one of ${SUPPORTED_BITS.join(', ')} (got ${q.bits})`);
  if (!(Number.isInteger(q.K) && q.K > 0 && Number.isInteger(q.N) && q.N > 0)) bad('K and N must be positive integers');
  if (!(Number.isInteger(q.group) && q.group > 0)) bad(`group must be a positive integer (got ${q.group})`);
  const G = groupsOf(q.K, q.group);
  if (q.codes.length !== q.K * q.N) bad(`${q.codes.length} codes, expected K*N = ${q.K * q.N}`);
  if (q.scales.length !== q.N * G) bad(`${q.scales.length} scales, expected N*groups = ${q.N * G}`);
  if (q.zeros.length !== q.N * G) bad(`${q.zeros.length} zeros, expected N*groups = ${q.N * G}`);
  const max = (1 << q.bits) - 1;
  if (q.codes.some((c) => c > max) || q.zeros.some((z) => z > max)) bad(`a code or zero point exceeds ${max}`);
  const { k, n, value } = q.outliers;
  if (k.length !== value.length || n.length !== value.length) bad('outlier k, n and value differ in length');
  const seen = new Set<number>();
  for (let i = 0; i < value.length; i++) {
    if (k[i] >= q.K || n[i] >= q.N) bad(`outlier ${i} at (${k[i]}, ${n[i]}) is outside the matrix`);
    const pos = n[i] * q.K + k[i];
    if (seen.has(pos)) bad(`two outliers at (${k[i]}, ${n[i]})`);
    seen.add(pos);
    if (q.codes[pos] !== q.zeros[n[i] * G + Math.floor(k[i] / q.group)]) bad(`the code at outlier (${k[i]}, ${n[i]}) is not its group's zero point`);
  }
}
