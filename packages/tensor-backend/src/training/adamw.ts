/**
 * AdamW (Loshchilov & Hutter 2019), as torch.optim.AdamW computes it:
 *   p *= 1 - lr wd                              (decoupled weight decay)
 *   m = b1 m + (1 - b1) g;  v = b2 v + (1 - b2) g^2
 *   p -= lr / (1 - b1^t) * m / (sqrt(v) / sqrt(1 - b2^t) + eps)
 * computed as p -= a m / (sqrt(v) + eps sqrt(1 - b2^t)) with a = lr sqrt(1 - b2^t) / (1 - b1^t):
 * the same value with one division per element instead of two (the loop is bound by them).
 */
import { GradlocError } from '../errors.js';
import { zerosLike, type FloatArray } from './float-array.js';
import type { ElementRuns } from './slices.js';
import { decayFor, requireNonNegative, runsOrAll, type DecayOptions, type Optimizer, type ParamState, type UpdateContext } from './optimizer.js';

export interface AdamWOptions extends DecayOptions {
  /** Default [0.9, 0.999]. */
  readonly betas?: readonly [number, number];
  /** Default 1e-8. */
  readonly eps?: number;
}

export function adamw(opts: AdamWOptions = {}): Optimizer {
  const lr = opts.lr ?? 1e-3;
  const [b1, b2] = opts.betas ?? [0.9, 0.999];
  const eps = opts.eps ?? 1e-8;
  // PyTorch's default decay; pass 0 for Adam
  const weightDecay = opts.weightDecay ?? 1e-2;
  requireNonNegative('adamw', { lr, eps, weightDecay });
  if (!(b1 >= 0 && b1 < 1 && b2 >= 0 && b2 < 1)) throw new GradlocError('BAD_INPUT', `adamw: betas must be in [0, 1), got [${b1}, ${b2}]`);
  return {
    config: { kind: 'adamw', lr, betas: [b1, b2], eps, weightDecay },
    lr,
    init: (param: FloatArray, name: string): ParamState => ({
      buffers: { exp_avg: zerosLike(param), exp_avg_sq: zerosLike(param) },
      weightDecay: decayFor({ ...opts, weightDecay }, name),
    }),
    update(p: FloatArray, g: FloatArray, state: ParamState, { lr: rate, step, gradScale: s }: UpdateContext, runs?: ElementRuns): void {
      const m = state.buffers.exp_avg;
      const v = state.buffers.exp_avg_sq;
      const keep = 1 - rate * state.weightDecay;
      const bc2Sqrt = Math.sqrt(1 - b2 ** step);
      const a = (rate * bc2Sqrt) / (1 - b1 ** step);
      const epsHat = eps * bc2Sqrt;
      const c1 = 1 - b1;
      const c2 = 1 - b2;
      const r = runsOrAll(runs, p.length);
      for (let k = 0; k < r.length; k += 2) {
        const to = r[k + 1];
        for (let i = r[k]; i < to; i++) {
          const gi = g[i] * s;
          const mi = b1 * m[i] + c1 * gi;
          const vi = b2 * v[i] + c2 * gi * gi;
          m[i] = mi;
          v[i] = vi;
          p[i] = p[i] * keep - (a * mi) / (Math.sqrt(vi) + epsHat);
        }
      }
    },
  };
}
