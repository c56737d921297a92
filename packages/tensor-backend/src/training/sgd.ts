/**
 * SGD with momentum and Nesterov momentum, as torch.optim.SGD computes it (dampening 0):
 *   d = g + wd p                    (coupled L2 weight decay)
 *   buf = momentum buf + d          (buf starts at zeros, so step 1 gives buf = d)
 *   p -= lr (nesterov ? d + momentum buf : buf)
 * Without momentum: p -= lr d. Sutskever et al. 2013 for the Nesterov form.
 */
import { GradlocError } from '../errors.js';
import { zerosLike, type FloatArray } from './float-array.js';
import type { ElementRuns } from './slices.js';
import { decayFor, requireNonNegative, runsOrAll, type DecayOptions, type Optimizer, type ParamState, type UpdateContext } from './optimizer.js';

export interface SgdOptions extends DecayOptions {
  /** Default 0 (plain SGD). */
  readonly momentum?: number;
  readonly nesterov?: boolean;
}

export function sgd(opts: SgdOptions = {}): Optimizer {
  const lr = opts.lr ?? 1e-3;
  const momentum = opts.momentum ?? 0;
  const weightDecay = opts.weightDecay ?? 0;
  const nesterov = opts.nesterov ?? false;
  requireNonNegative('sgd', { lr, momentum, weightDecay });
  if (nesterov && momentum === 0) throw new GradlocError('BAD_INPUT', 'sgd: nesterov needs momentum > 0');
  return {
    config: { kind: 'sgd', lr, momentum, nesterov, weightDecay },
    lr,
    init: (param: FloatArray, name: string): ParamState => ({
      buffers: momentum > 0 ? { momentum_buffer: zerosLike(param) } : {},
      weightDecay: decayFor(opts, name),
    }),
    update(p: FloatArray, g: FloatArray, state: ParamState, { lr: rate, gradScale: s }: UpdateContext, runs?: ElementRuns): void {
      const wd = state.weightDecay;
      const buf = state.buffers.momentum_buffer;
      const r = runsOrAll(runs, p.length);
      for (let k = 0; k < r.length; k += 2) {
        const [from, to] = [r[k], r[k + 1]];
        if (!buf) {
          for (let i = from; i < to; i++) p[i] -= rate * (g[i] * s + wd * p[i]);
        } else if (nesterov) {
          for (let i = from; i < to; i++) {
            const d = g[i] * s + wd * p[i];
            const b = momentum * buf[i] + d;
            buf[i] = b;
            p[i] -= rate * (d + momentum * b);
          }
        } else {
          for (let i = from; i < to; i++) {
            const b = momentum * buf[i] + g[i] * s + wd * p[i];
            buf[i] = b;
            p[i] -= rate * b;
          }
        }
      }
    },
  };
}
