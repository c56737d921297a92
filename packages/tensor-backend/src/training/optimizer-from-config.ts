/** Built-in optimizers rebuilt from the config a checkpoint stores. */
import { GradlocError } from '../errors.js';
import { adamw } from './adamw.js';
import type { TrainingConfig, Optimizer } from './optimizer.js';
import { sgd } from './sgd.js';

/**
 * Rebuilds a built-in optimizer from its checkpointed config. `noDecay` lists the parameters
 * that had no weight decay (the predicate itself is not serialisable, its result is).
 */
export function optimizerFromConfig(config: TrainingConfig, noDecay: readonly string[]): Optimizer {
  const num = (k: string): number => Number(config[k]);
  const excluded = new Set(noDecay);
  const shared = { lr: num('lr'), weightDecay: num('weightDecay'), noDecay: (n: string) => excluded.has(n) };
  switch (config.kind) {
    case 'sgd':
      return sgd({ ...shared, momentum: num('momentum'), nesterov: config.nesterov === true });
    case 'adamw': {
      const betas = config.betas as readonly number[];
      return adamw({ ...shared, betas: [betas[0], betas[1]], eps: num('eps') });
    }
    default:
      throw new GradlocError('BAD_INPUT', `the checkpoint's optimizer '${config.kind}' is not built in: pass the optimizer to resume()`);
  }
}
