/**
 * Per-parameter learning rates over any optimizer (torch's parameter groups with their own
 * `lr`): matched parameters step with `factor` times the schedule's rate. GFlowNets train
 * log Z this way (lr 0.1 against 1e-3 for the policy, as the authors and torchgfn do).
 */
import { GradlocError } from '../errors.js';
import type { FloatArray } from './float-array.js';
import type { Optimizer, ParamState, UpdateContext } from './optimizer.js';
import { matchesParam, type ParamMatcher } from './param-matcher.js';
import type { ElementRuns } from './slices.js';

export interface LrFactor {
  readonly params: ParamMatcher;
  /**
   * A constant, or a function of the 1-based update number (a per-parameter schedule: 0 from
   * some step on freezes the matched parameters, state and all).
   */
  readonly factor: number | ((step: number) => number);
}

interface ScaledState extends ParamState {
  readonly lrFactor: LrFactor['factor'];
}

const factorAt = (f: LrFactor['factor'], step: number): number => (typeof f === 'number' ? f : f(step));

/** `inner` with the learning rate multiplied by the first matching rule's factor (1 for the rest). */
export function withParamLr(inner: Optimizer, rules: readonly LrFactor[]): Optimizer {
  for (const r of rules) if (typeof r.factor === 'number') checkFactor(r.factor);
  return {
    // kind names the wrapper: a checkpoint of it resumes with the optimizer passed to resume();
    // a per-step factor (a function) is recorded as -1: the code, not the checkpoint, holds it
    config: { ...inner.config, kind: `param-lr(${inner.config.kind})`, lrFactors: rules.map((r) => (typeof r.factor === 'number' ? r.factor : -1)) },
    lr: inner.lr,
    init(param: FloatArray, name: string): ScaledState {
      const rule = rules.find((r) => matchesParam(r.params, name));
      return { ...inner.init(param, name), lrFactor: rule ? rule.factor : 1 };
    },
    update(param: FloatArray, grad: FloatArray, state: ParamState, ctx: UpdateContext, runs?: ElementRuns): void {
      const f = factorAt((state as Partial<ScaledState>).lrFactor ?? 1, ctx.step);
      if (typeof (state as Partial<ScaledState>).lrFactor === 'function') checkFactor(f);
      // factor 0 skips the update: Adam's moments would otherwise keep moving the parameter
      if (f === 0) return;
      inner.update(param, grad, state, f === 1 ? ctx : { ...ctx, lr: ctx.lr * f }, runs);
    },
  };
}

function checkFactor(f: number): void {
  if (!(f >= 0) || !Number.isFinite(f)) throw new GradlocError('BAD_INPUT', `learning-rate factor must be a finite number >= 0, got ${f}`);
}
