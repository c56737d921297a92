/** Numpy-style multidirectional broadcasting of static dims. */
import { GradlocError } from '../errors.js';

export function broadcastDims(shapes: readonly (readonly number[])[], where = 'broadcast'): number[] {
  const rank = Math.max(0, ...shapes.map((s) => s.length));
  const out = new Array<number>(rank).fill(1);
  for (const s of shapes) {
    const off = rank - s.length;
    for (let i = 0; i < s.length; i++) {
      const d = s[i];
      const o = out[off + i];
      if (d === o || d === 1) continue;
      if (o === 1) out[off + i] = d;
      else {
        throw new GradlocError(
          'SHAPE_MISMATCH',
          `${where}: shapes ${shapes.map((x) => `[${x.join(', ')}]`).join(' and ')} do not broadcast`,
        );
      }
    }
  }
  return out;
}

/** Normalises a possibly negative axis against a rank. */
export function normAxis(axis: number, rank: number, where = 'axis'): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) throw new GradlocError('SHAPE_MISMATCH', `${where}: axis ${axis} out of range for rank ${rank}`);
  return a;
}

/** The axes from, from + 1, ..., to - 1. */
export const axisRange = (from: number, to: number): number[] => Array.from({ length: to - from }, (_, i) => from + i);

/** Every axis of a rank but one (e.g. all but the channel axis 1). */
export const axesBut = (rank: number, axis: number): number[] => axisRange(0, rank).filter((a) => a !== axis);
