/**
 * Shape (and constant fold) of Pad in both forms: attributes before opset 11, inputs from
 * 11 (pads, optional constant_value, and from 18 optional axes). Negative pads crop.
 */
import type { Attrs } from '../../ir/attributes.js';
import { sizeOf, tensor, toNumbers, type Tensor } from '../../tensor/tensor.js';
import { normAxis } from '../broadcast.js';
import { defineShape } from '../registry.js';
import { inferSource, type NodeSource } from '../types.js';

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

/** Constant-mode pad of a small known tensor (exporters' shape arithmetic). */
function foldConstant(x: Tensor, plan: PadPlan, fill: number): Tensor {
  const out = tensor(x.dtype, plan.outDims);
  const big = x.dtype === 'int64' || x.dtype === 'uint64';
  const data = out.data as unknown as unknown[];
  if (fill !== 0) for (let i = 0; i < data.length; i++) data[i] = big ? BigInt(fill) : fill;
  const rank = x.dims.length;
  const idx = new Array<number>(rank).fill(0);
  for (let k = 0; k < sizeOf(x.dims); k++) {
    let off = 0;
    let inside = true;
    for (let r = 0; r < rank; r++) {
      const o = idx[r] + plan.begin[r];
      if (o < 0 || o >= plan.outDims[r]) inside = false;
      off = off * plan.outDims[r] + o;
    }
    if (inside) data[off] = (x.data as unknown as unknown[])[k];
    for (let r = rank - 1; r >= 0; r--) {
      if (++idx[r] < x.dims[r]) break;
      idx[r] = 0;
    }
  }
  return out;
}

defineShape('Pad', {
  infer: (ctx) => [{ dtype: ctx.input(0).dtype, dims: [...padPlan(inferSource(ctx)).outDims] }],
  fold: (ctx, inputs) => {
    const x = inputs[0];
    if (!x) return undefined;
    const plan = padPlan(inferSource(ctx));
    if (plan.mode !== 'constant') return undefined;
    let fill = ctx.opset < 11 ? ctx.attrs.float('value', 0) : 0;
    if (ctx.opset >= 11 && ctx.has(2)) {
      const v = inputs[2];
      if (!v) return undefined;
      fill = Number(v.data[0] ?? 0);
    }
    return [foldConstant(x, plan, fill)];
  },
});
