/**
 * The resolved pads of a Pad node in both forms: attributes before opset 11, inputs from
 * 11 (pads, optional constant_value, and from 18 optional axes). Negative pads crop.
 * Shape and gradient rules both read a Pad through padPlan.
 */
import { normAxis } from '../../shape/broadcast.js';
import type { NodeSource } from '../../shape/types.js';
import { toNumbers } from '../../tensor/tensor.js';

export interface PadPlan {
  readonly mode: string;
  /** Per-axis pads (negative = crop). */
  readonly begin: readonly number[];
  readonly end: readonly number[];
  readonly outDims: readonly number[];
}

export function padPlan(src: NodeSource): PadPlan {
  const rank = src.inDims.length;
  const mode = src.attrs.string('mode', 'constant');
  if (!['constant', 'reflect', 'edge', 'wrap'].includes(mode)) src.fail(`unknown mode '${mode}'`);
  let pads: number[];
  let axes = src.inDims.map((_, a) => a);
  if (src.opset < 11) {
    pads = src.attrs.has('pads') ? src.attrs.ints('pads') : src.attrs.ints('paddings');
  } else {
    const p = src.value(1);
    if (!p) src.fail('pads must be known when the graph is compiled; they depend on runtime values');
    pads = toNumbers(p);
    if (src.has(3)) {
      const a = src.value(3);
      if (!a) src.fail('axes must be known when the graph is compiled');
      axes = toNumbers(a).map((x) => normAxis(x, rank, 'Pad axes'));
    }
  }
  if (pads.length !== 2 * axes.length) src.fail(`expected ${2 * axes.length} pads, got ${pads.length}`);
  const begin = new Array<number>(rank).fill(0);
  const end = new Array<number>(rank).fill(0);
  axes.forEach((a, i) => {
    begin[a] = pads[i];
    end[a] = pads[axes.length + i];
  });
  const outDims = src.inDims.map((d, a) => d + begin[a] + end[a]);
  if (outDims.some((d) => d < 0)) src.fail(`pads [${pads.join(', ')}] crop more than the input dims [${src.inDims.join(', ')}]`);
  return { mode, begin, end, outDims };
}
