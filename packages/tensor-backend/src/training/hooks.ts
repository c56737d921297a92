/**
 * Gradient hooks: functions that rewrite a parameter's gradient in place after the backward
 * pass and before clipping (masks, scales, projections: what SGTM- and OFVL-style methods
 * change). Per-parameter hooks run first, in the order given, then the global hook.
 */
import { GradlocError } from '../errors.js';
import type { FloatArray } from './float-array.js';
import type { ParamMatcher } from './param-matcher.js';
import { fillRuns, sliceRuns, unionRuns, type ElementRuns, type ParamSlice } from './slices.js';

export interface HookContext {
  readonly name: string;
  /** 1-based number of the update about to be applied. */
  readonly step: number;
  /** The parameter's current values (before this update); do not modify. */
  readonly param: FloatArray;
  /** The parameter's dims. */
  readonly dims: readonly number[];
}

export type GradHook = (grad: FloatArray, ctx: HookContext) => void;

export interface HookSpec {
  /** Which parameters: an exact name, a regular expression or a predicate. */
  readonly params: ParamMatcher;
  readonly hook: GradHook;
}

/** Sees every gradient at once (e.g. a projection across parameters); mutate in place. */
export type GlobalGradHook = (grads: ReadonlyMap<string, FloatArray>, ctx: { readonly step: number; readonly params: ReadonlyMap<string, FloatArray> }) => void;

/**
 * Multiplies the gradient elementwise by `mask` (0 blocks an element, 1 passes it, other
 * values scale it). With no weight decay and no momentum history a blocked element stays
 * exactly unchanged; decay and momentum still move it, as in PyTorch.
 */
export function maskHook(mask: ArrayLike<number>): GradHook {
  return (grad, ctx) => {
    if (mask.length !== grad.length) {
      throw new GradlocError('SHAPE_MISMATCH', `maskHook on '${ctx.name}': mask has ${mask.length} elements, the gradient ${grad.length}`);
    }
    for (let i = 0; i < grad.length; i++) grad[i] *= mask[i];
  };
}

/**
 * Zeroes the gradient of parameter slices (rows of some units, columns of a head): one hook
 * spec covering every parameter the slices name. For masks that change per step, use the
 * trainer's parameter groups instead (StepOptions.groups).
 */
export function sliceMaskHook(slices: readonly ParamSlice[]): HookSpec {
  const byParam = new Map<string, ParamSlice[]>();
  for (const s of slices) byParam.set(s.param, [...(byParam.get(s.param) ?? []), s]);
  const runs = new Map<string, ElementRuns>();
  return {
    params: (name) => byParam.has(name),
    hook: (grad, ctx) => {
      let r = runs.get(ctx.name);
      if (!r) runs.set(ctx.name, (r = unionRuns(byParam.get(ctx.name)!.map((s) => sliceRuns(ctx.dims, s)), `sliceMaskHook on '${ctx.name}'`)));
      fillRuns(grad, r);
    },
  };
}

/** Multiplies the gradient by `s` (a per-parameter learning-rate factor for SGD). */
export function scaleHook(s: number): GradHook {
  return (grad) => {
    for (let i = 0; i < grad.length; i++) grad[i] *= s;
  };
}
