/**
 * Sliding-window geometry of Conv, ConvTranspose and the pools, resolved exactly as
 * onnxruntime's CPU kernels resolve it (auto_pad, ceil_mode, output_shape). Shape rules
 * and gradient rules share it, so a gradient always matches the forward that ran:
 * the gradient graph spells every padding out explicitly and never relies on auto_pad.
 */
import type { Attrs } from '../../ir/attributes.js';
import type { InferContext, ValueType } from '../../shape/types.js';

export interface Window {
  readonly kernel: readonly number[];
  readonly strides: readonly number[];
  readonly dilations: readonly number[];
  /** Resolved padding per spatial axis (auto_pad applied). */
  readonly padBegin: readonly number[];
  readonly padEnd: readonly number[];
  /** Spatial dims of the output. */
  readonly out: readonly number[];
}

export type Fail = (message: string) => never;

/** An ints attribute where an absent or empty list means `fill` on every axis. */
function intsOr(attrs: Attrs, name: string, n: number, fill: number): number[] {
  const v = attrs.ints(name, []);
  return v.length ? v : new Array<number>(n).fill(fill);
}

function checkLen(v: readonly number[], n: number, name: string, fail: Fail): void {
  if (v.length !== n) fail(`'${name}' has ${v.length} values, expected ${n}`);
}

/** Input 0 of Conv, ConvTranspose or a pool, which must be [N, C, spatial...]. */
export function windowInput(ctx: InferContext): ValueType {
  const x = ctx.input(0);
  if (x.dims.length < 3) ctx.fail(`input must have rank >= 3 (N, C, spatial...), got [${x.dims.join(', ')}]`);
  return x;
}

/** Extent of a dilated kernel. */
export const effectiveKernel = (k: number, d: number): number => (k - 1) * d + 1;

/** The kernel_shape attribute if given (it must agree with W), else W's spatial dims. */
export function kernelOf(attrs: Attrs, wSpatial: readonly number[], fail: Fail): number[] {
  const k = attrs.ints('kernel_shape', []);
  if (!k.length) return [...wSpatial];
  if (k.length !== wSpatial.length || k.some((v, i) => v !== wSpatial[i])) {
    fail(`kernel_shape [${k.join(', ')}] does not match the weight's spatial dims [${wSpatial.join(', ')}]`);
  }
  return k;
}


/** strides, dilations and pads (split into begin/end) with their defaults, length-checked. */
function strideAttrs(attrs: Attrs, n: number, fail: Fail): { strides: number[]; dilations: number[]; padBegin: number[]; padEnd: number[] } {
  const strides = intsOr(attrs, 'strides', n, 1);
  const dilations = intsOr(attrs, 'dilations', n, 1);
  const pads = intsOr(attrs, 'pads', 2 * n, 0);
  checkLen(strides, n, 'strides', fail);
  checkLen(dilations, n, 'dilations', fail);
  checkLen(pads, 2 * n, 'pads', fail);
  return { strides, dilations, padBegin: pads.slice(0, n), padEnd: pads.slice(n) };
}

/** SAME padding split: the odd pixel goes at the end (SAME_UPPER) or the start (SAME_LOWER). */
function sameSplit(need: number, autoPad: string): [number, number] {
  const begin = autoPad === 'SAME_LOWER' ? Math.trunc((need + 1) / 2) : Math.trunc(need / 2);
  return [begin, need - begin];
}

/**
 * Applies auto_pad to axis i of Conv or a pool: VALID drops the pads, SAME_UPPER/LOWER split
 * the total `samePad()` returns. False when the explicit pads stand (NOTSET).
 */
function applyAutoPad(autoPad: string, i: number, padBegin: number[], padEnd: number[], samePad: () => number, fail: Fail): boolean {
  if (autoPad === 'VALID') {
    padBegin[i] = 0;
    padEnd[i] = 0;
  } else if (autoPad === 'SAME_UPPER' || autoPad === 'SAME_LOWER') {
    [padBegin[i], padEnd[i]] = sameSplit(samePad(), autoPad);
  } else if (autoPad !== 'NOTSET' && autoPad !== '') {
    fail(`unknown auto_pad '${autoPad}'`);
  } else return false;
  return true;
}

/** Conv: floor division; SAME pads to ceil(in / stride) outputs (onnxruntime rejects SAME with dilation). */
export function convWindow(attrs: Attrs, input: readonly number[], kernel: readonly number[], fail: Fail): Window {
  const n = input.length;
  const { strides, dilations, padBegin, padEnd } = strideAttrs(attrs, n, fail);
  const autoPad = attrs.string('auto_pad', 'NOTSET');
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const [s, k, d, len] = [strides[i], kernel[i], dilations[i], input[i]];
    applyAutoPad(autoPad, i, padBegin, padEnd, () => {
      if (d !== 1) fail(`auto_pad ${autoPad} with dilations is not supported by onnxruntime`);
      const target = Math.ceil(len / s);
      const need = (target - 1) * s + k - len;
      return Math.trunc((len + 2 * need - k) / s + 1) < target ? need + 1 : need;
    }, fail);
    const o = Math.trunc((len + padBegin[i] + padEnd[i] - effectiveKernel(k, d)) / s + 1);
    if (o <= 0) fail(`input length ${len} is too small for kernel ${k} (dilation ${d}, pads ${padBegin[i]}+${padEnd[i]})`);
    out.push(o);
  }
  return { kernel: [...kernel], strides, dilations, padBegin, padEnd, out };
}

/**
 * Pools: like Conv, but SAME ignores dilation when sizing the padding, and ceil_mode rounds
 * up while dropping a last window that would start in the end padding (as onnxruntime does).
 */
export function poolWindow(attrs: Attrs, input: readonly number[], fail: Fail): Window {
  const n = input.length;
  const kernel = attrs.ints('kernel_shape');
  checkLen(kernel, n, 'kernel_shape', fail);
  const { strides, dilations, padBegin, padEnd } = strideAttrs(attrs, n, fail);
  const ceil = attrs.int('ceil_mode', 0) !== 0;
  const autoPad = attrs.string('auto_pad', 'NOTSET');
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const [s, k, d, len] = [strides[i], kernel[i], dilations[i], input[i]];
    // SAME sizes the padding without the dilation
    const explicit = !applyAutoPad(autoPad, i, padBegin, padEnd, () => (Math.ceil(len / s) - 1) * s + k - len, fail);
    if (explicit && (padBegin[i] >= k || padEnd[i] >= k)) fail(`pads must be smaller than the kernel (${k})`);
    const span = (len + padBegin[i] + padEnd[i] - effectiveKernel(k, d)) / s + 1;
    let o = ceil ? Math.ceil(span) : Math.trunc(span);
    if (ceil && o > 1 && (o - 1) * s >= len + padBegin[i]) o--;
    if (o <= 0) fail(`input length ${len} is too small for kernel ${k} (dilation ${d})`);
    out.push(o);
  }
  return { kernel, strides, dilations, padBegin, padEnd, out };
}

/**
 * ConvTranspose: out = (in-1)*s + output_padding + dilated kernel - pads. With output_shape
 * (or SAME, which targets in*s) the total padding is derived and split as onnxruntime 1.30
 * does: SAME_UPPER puts the odd pixel at the end, NOTSET and SAME_LOWER at the start.
 */
export function convTransposeWindow(
  attrs: Attrs,
  input: readonly number[],
  kernel: readonly number[],
  fail: Fail,
): Window & { readonly outputPadding: readonly number[] } {
  const n = input.length;
  const { strides, dilations, padBegin, padEnd } = strideAttrs(attrs, n, fail);
  const outputPadding = intsOr(attrs, 'output_padding', n, 0);
  checkLen(outputPadding, n, 'output_padding', fail);
  let outputShape = attrs.ints('output_shape', []);
  if (outputShape.length === n + 2) outputShape = outputShape.slice(2);
  if (outputShape.length && outputShape.length !== n) fail(`output_shape has ${outputShape.length} values, expected ${n}`);
  const autoPad = attrs.string('auto_pad', 'NOTSET');
  if (!['NOTSET', '', 'VALID', 'SAME_UPPER', 'SAME_LOWER'].includes(autoPad)) fail(`unknown auto_pad '${autoPad}'`);
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const full = (input[i] - 1) * strides[i] + outputPadding[i] + effectiveKernel(kernel[i], dilations[i]);
    const target = outputShape.length ? outputShape[i] : autoPad.startsWith('SAME') ? input[i] * strides[i] : undefined;
    if (target !== undefined) {
      // onnxruntime rejects an output_shape beyond the covered positions; SAME clamps to none
      if (target > full && outputShape.length) fail(`output_shape ${target} is larger than the ${full} positions the input covers`);
      const total = Math.max(0, full - target);
      padBegin[i] = autoPad === 'SAME_UPPER' ? Math.floor(total / 2) : total - Math.floor(total / 2);
      padEnd[i] = total - padBegin[i];
    } else if (autoPad === 'VALID') {
      padBegin[i] = 0;
      padEnd[i] = 0;
    }
    const o = full - padBegin[i] - padEnd[i];
    if (o <= 0) fail(`output length ${o} is not positive`);
    out.push(o);
  }
  return { kernel: [...kernel], strides, dilations, padBegin, padEnd, out, outputPadding };
}
