import { GradlocError } from '@gradloc/tensor-backend';
import { SUPPORTED_BITS, type Bits } from './types.js';

/** Bits per code and group size along the input dimension. */
export interface QuantSpec {
  readonly bits: Bits;
  readonly group: number;
}

export const SUPPORTED_GROUPS: readonly number[] = [32, 64, 128];

/**
 * The default group for a model whose quantized widths (matrix inputs K, embedding rows D) are
 * `widths`: the largest of 128, 64, 32 that divides every width, so no group is padded (a
 * padded group stores codes for weights that do not exist: K = 192 in groups of 128 stores
 * 256 codes a column, and an embedding table whose width the group does not divide stays
 * FP32); 128, GWQ's and GPTQ's group, when none divides them all.
 */
export function defaultGroup(widths: readonly number[]): number {
  const fits = [...SUPPORTED_GROUPS].reverse().find((g) => widths.every((w) => w % g === 0));
  return fits ?? SUPPORTED_GROUPS[SUPPORTED_GROUPS.length - 1];
}

/** Checks user-given bits and group; other groups (powers of two >= 16) are allowed for experiments. */
export function quantSpec(bits: number, group: number): QuantSpec {
  if (!(SUPPORTED_BITS as readonly number[]).includes(bits)) throw new GradlocError('BAD_INPUT', `bits must be one of ${SUPPORTED_BITS.join(', ')} (got ${bits})`);
  if (!Number.isInteger(group) || group < 16 || (group & (group - 1)) !== 0) throw new GradlocError('BAD_INPUT', `group must be a power of two >= 16, e.g. ${SUPPORTED_GROUPS.join(', ')} (got ${group})`);
  return { bits: bits as Bits, group };
}
