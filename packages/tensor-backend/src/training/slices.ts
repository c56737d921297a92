/**
 * Parameter slices: a block of a parameter along one axis (the rows of some hidden units,
 * the columns of an attention head) as runs of flat element indices, so masks, parameter
 * groups and optimizers address parts of a tensor without copying it.
 *
 * Runs are an Int32Array of [start, end) pairs in increasing order, never overlapping or
 * touching (merged), which is what every consumer loops over.
 */
import { GradlocError } from '../errors.js';

export interface ParamSlice {
  readonly param: string;
  /** Default 0. Negative counts from the last axis. Ignored without start/end. */
  readonly axis?: number;
  /** First index along `axis` (default 0). */
  readonly start?: number;
  /** One past the last index along `axis` (default the axis length). */
  readonly end?: number;
}

/** [start, end) pairs of flat element indices. */
export type ElementRuns = Int32Array;

/** The runs of `slice` in a row-major tensor of `dims`. */
export function sliceRuns(dims: readonly number[], slice: ParamSlice): ElementRuns {
  const rank = dims.length;
  const size = dims.reduce((a, d) => a * d, 1);
  if (slice.start === undefined && slice.end === undefined) return Int32Array.of(0, size);
  const axis = (slice.axis ?? 0) < 0 ? (slice.axis ?? 0) + rank : (slice.axis ?? 0);
  const where = `slice of '${slice.param}' [${dims.join(', ')}]`;
  if (!(Number.isInteger(axis) && axis >= 0 && axis < rank)) throw new GradlocError('BAD_INPUT', `${where}: axis ${slice.axis} out of range for rank ${rank}`);
  const len = dims[axis];
  const start = slice.start ?? 0;
  const end = slice.end ?? len;
  if (!(Number.isInteger(start) && Number.isInteger(end) && start >= 0 && start <= end && end <= len)) {
    throw new GradlocError('BAD_INPUT', `${where}: [${start}, ${end}) is not a range of axis ${axis} (length ${len})`);
  }
  const inner = dims.slice(axis + 1).reduce((a, d) => a * d, 1);
  const outer = dims.slice(0, axis).reduce((a, d) => a * d, 1);
  if (start === end) return new Int32Array(0);
  // a slice covering the whole of every axis after the first non-trivial one is one run
  if (start === 0 && end === len) return Int32Array.of(0, size);
  const runs = new Int32Array(2 * outer);
  for (let o = 0; o < outer; o++) {
    runs[2 * o] = (o * len + start) * inner;
    runs[2 * o + 1] = (o * len + end) * inner;
  }
  return runs;
}

/** Count of elements in runs. */
export function runLength(runs: ElementRuns): number {
  let n = 0;
  for (let r = 0; r < runs.length; r += 2) n += runs[r + 1] - runs[r];
  return n;
}

/** Union of runs, sorted and merged; overlapping inputs are an error naming `what`. */
export function unionRuns(parts: readonly ElementRuns[], what: string): ElementRuns {
  const pairs: [number, number][] = [];
  for (const p of parts) for (let r = 0; r < p.length; r += 2) if (p[r + 1] > p[r]) pairs.push([p[r], p[r + 1]]);
  pairs.sort((a, b) => a[0] - b[0]);
  const out: number[] = [];
  for (const [s, e] of pairs) {
    const last = out.length - 1;
    if (last > 0 && s < out[last]) throw new GradlocError('BAD_INPUT', `${what}: slices overlap at element ${s}`);
    if (last > 0 && s === out[last]) out[last] = e;
    else out.push(s, e);
  }
  return Int32Array.from(out);
}

/** The elements of [0, size) not in `runs`. */
export function complementRuns(runs: ElementRuns, size: number): ElementRuns {
  const out: number[] = [];
  let at = 0;
  for (let r = 0; r < runs.length; r += 2) {
    if (runs[r] > at) out.push(at, runs[r]);
    at = runs[r + 1];
  }
  if (at < size) out.push(at, size);
  return Int32Array.from(out);
}

/** Sets the elements of `runs` to `value` in place. */
export function fillRuns(a: { fill(v: number, s: number, e: number): unknown }, runs: ElementRuns, value = 0): void {
  for (let r = 0; r < runs.length; r += 2) a.fill(value, runs[r], runs[r + 1]);
}
