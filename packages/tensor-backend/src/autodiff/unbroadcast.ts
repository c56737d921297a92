/** Undoing numpy broadcasting in the backward pass: the one helper every binary rule uses. */
import type { Emit } from '../ir/emit.js';
import { sameDims } from '../tensor/tensor.js';

/**
 * Sums a gradient of dims `from` down to dims `to` (which broadcast to `from`):
 * leading axes `to` lacks and axes where `to` has 1 and `from` does not.
 */
export function unbroadcast(emit: Emit, grad: string, from: readonly number[], to: readonly number[]): string {
  if (sameDims(from, to)) return grad;
  const lead = from.length - to.length;
  const axes: number[] = [];
  for (let i = 0; i < from.length; i++) {
    if (i < lead) axes.push(i);
    else if (to[i - lead] === 1 && from[i] !== 1) axes.push(i);
  }
  const summed = axes.length ? emit.reduceSum(grad, axes, true) : grad;
  // keepdims leaves `lead` leading 1s; a reshape gives the exact target dims
  return lead > 0 || axes.length === 0 ? emit.reshape(summed, to) : summed;
}
