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
  readonly factor: number;
}

interface ScaledState extends ParamState {
  readonly lrFactor: number;
}

/** `inner` with the learning rate multiplied by the first matching rule's factor (1 for the rest). */
export function withParamLr(inner: Optimizer, rules: readonly LrFactor[]): Optimizer {
  for (const r of rules) if (!(r.factor >= 0) || !Number.isFinite(r.factor)) throw new GradlocError('BAD_INPUT', `learning-rate factor must be a finite number >= 0, got ${r.factor}`);
  return {
    // kind names the wrapper: a checkpoint of it resumes with the optimizer passed to resume()
    config: { ...inner.config, kind: `param-lr(${inner.config.kind})`, lrFactors: rules.map((r) => r.factor) },
    lr: inner.lr,
    init(param: FloatArray, name: string): ScaledState {
      const rule = rules.find((r) => matchesParam(r.params, name));
      return { ...inner.init(param, name), lrFactor: rule ? rule.factor : 1 };
    },
    update(param: FloatArray, grad: FloatArray, state: ParamState, ctx: UpdateContext, runs?: ElementRuns): void {
      const f = (state as Partial<ScaledState>).lrFactor ?? 1;
      inner.update(param, grad, state, f === 1 ? ctx : { ...ctx, lr: ctx.lr * f }, runs);
    },
  };
}
