/**
 * Parameters of data-movement ops read from attributes (old opsets) or constant inputs
 * (new opsets): Slice's starts/ends/axes/steps, Split's sizes and Transpose's perm. The
 * shape and gradient rules read them through the same functions, so they interpret them
 * identically.
 */
import type { Attrs } from '../../ir/attributes.js';
import type { NodeSource } from '../../shape/types.js';
import { toNumbers, type Tensor } from '../../tensor/tensor.js';

/** Optional input i's compile-time value; undefined when omitted; fails when only known at run time. */
const optional = (p: NodeSource, i: number, what: string): Tensor | undefined => (p.has(i) ? p.needValue(i, what) : undefined);

export interface SliceAxis {
  readonly axis: number;
  /** First index read (already clamped into range). */
  readonly start: number;
  readonly step: number;
  /** Number of elements taken along the axis. */
  readonly count: number;
}

const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), hi);

/**
 * Normalised Slice parameters, one entry per sliced axis. Exporters write INT64_MAX /
 * INT64_MIN as "to the end"; those arrive as numbers beyond 2^53 (inexact), which the
 * clamping below absorbs.
 */
export function sliceAxes(p: NodeSource, dims: readonly number[]): SliceAxis[] {
  let starts: number[];
  let ends: number[];
  let axes: number[] | undefined;
  let steps: number[] | undefined;
  if (p.opset < 10) {
    starts = p.attrs.ints('starts');
    ends = p.attrs.ints('ends');
    axes = p.attrs.has('axes') ? p.attrs.ints('axes') : undefined;
  } else {
    starts = toNumbers(optional(p, 1, 'Slice starts')!);
    ends = toNumbers(optional(p, 2, 'Slice ends')!);
    const a = optional(p, 3, 'Slice axes');
    const s = optional(p, 4, 'Slice steps');
    axes = a && toNumbers(a);
    steps = s && toNumbers(s);
  }
  if (ends.length !== starts.length) p.fail(`starts has ${starts.length} entries, ends ${ends.length}`);
  const ax = (axes ?? starts.map((_, i) => i)).map((a) => normAxisOrFail(p, a, dims.length));
  if (ax.length !== starts.length || (steps && steps.length !== starts.length)) p.fail('starts, ends, axes and steps must have the same length');
  if (new Set(ax).size !== ax.length) p.fail(`axes [${ax.join(', ')}] repeat an axis`);
  return ax.map((axis, i) => {
    const d = dims[axis];
    const step = steps ? steps[i] : 1;
    if (step === 0) p.fail('a Slice step is 0');
    const rel = (v: number): number => (v < 0 ? v + d : v);
    const start = step > 0 ? clamp(rel(starts[i]), 0, d) : clamp(rel(starts[i]), 0, d - 1);
    const end = step > 0 ? clamp(rel(ends[i]), 0, d) : clamp(rel(ends[i]), -1, d - 1);
    return { axis, start, step, count: Math.max(0, Math.ceil((end - start) / step)) };
  });
}

function normAxisOrFail(p: NodeSource, axis: number, rank: number): number {
  const a = axis < 0 ? axis + rank : axis;
  if (a < 0 || a >= rank) p.fail(`axis ${axis} is out of range for rank ${rank}`);
  return a;
}

/** Sizes of Split's outputs along the axis (split attribute/input, num_outputs, or equal parts). */
export function splitSizes(p: NodeSource, dim: number, numOutputs: number): number[] {
  const given = p.opset < 13 ? (p.attrs.has('split') ? p.attrs.ints('split') : undefined) : optional(p, 1, 'Split sizes');
  if (given) {
    const sizes = Array.isArray(given) ? given : toNumbers(given as Tensor);
    if (sizes.length !== numOutputs) p.fail(`split has ${sizes.length} entries for ${numOutputs} outputs`);
    if (sizes.reduce((a, b) => a + b, 0) !== dim || sizes.some((s) => s < 0)) p.fail(`split [${sizes.join(', ')}] does not add up to ${dim}`);
    return sizes;
  }
  if (p.opset >= 18 && p.attrs.has('num_outputs')) {
    // opset 18: ceil-sized chunks, the last one smaller when the axis does not divide
    const n = p.attrs.int('num_outputs');
    if (n !== numOutputs) p.fail(`num_outputs is ${n} but the node has ${numOutputs} outputs`);
    const chunk = Math.ceil(dim / n);
    const last = dim - chunk * (n - 1);
    if (last <= 0) p.fail(`cannot split ${dim} into ${n} chunks of ${chunk}`);
    return [...new Array<number>(n - 1).fill(chunk), last];
  }
  if (dim % numOutputs !== 0) p.fail(`axis of size ${dim} does not split evenly into ${numOutputs} outputs`);
  return new Array<number>(numOutputs).fill(dim / numOutputs);
}

/** Axes of Squeeze/Unsqueeze: attribute before opset 13, input from 13. */

export const transposePerm = (attrs: Attrs, rank: number): number[] =>
  attrs.has('perm') ? attrs.ints('perm') : Array.from({ length: rank }, (_, i) => rank - 1 - i);
