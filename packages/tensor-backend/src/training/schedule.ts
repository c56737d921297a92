/**
 * Learning-rate schedules: functions of the 1-based step number (the update being taken) to
 * a rate. Built-in ones carry a `config` so checkpoints can restore them.
 */
import { GradlocError } from '../errors.js';
import type { TrainingConfig } from './optimizer.js';

export interface Schedule {
  (step: number): number;
  /** Present on built-in schedules: written into checkpoints. */
  readonly config?: TrainingConfig;
}

export function constant(lr: number): Schedule {
  if (!(lr >= 0)) throw new GradlocError('BAD_INPUT', `constant: lr must be >= 0, got ${lr}`);
  return Object.assign((): number => lr, { config: { kind: 'constant', lr } });
}

export interface WarmupCosineOptions {
  readonly peak: number;
  /** Steps of linear warm-up: step s <= warmupSteps gets peak * s / warmupSteps. */
  readonly warmupSteps: number;
  /** The step at which the cosine reaches `floor` (and stays there). */
  readonly totalSteps: number;
  /** Default 0. */
  readonly floor?: number;
}

/**
 * Linear warm-up from 0 to `peak`, then half a cosine from `peak` down to `floor` at
 * `totalSteps` (Loshchilov & Hutter 2017, without restarts; Goyal et al. 2017 warm-up).
 * The first update already gets peak / warmupSteps rather than 0.
 */
export function warmupCosine(opts: WarmupCosineOptions): Schedule {
  const { peak, warmupSteps, totalSteps } = opts;
  const floor = opts.floor ?? 0;
  if (!(peak >= 0 && floor >= 0 && warmupSteps >= 0 && totalSteps > warmupSteps)) {
    throw new GradlocError('BAD_INPUT', `warmupCosine: needs peak >= 0, floor >= 0, 0 <= warmupSteps < totalSteps (got ${JSON.stringify(opts)})`);
  }
  const fn = (step: number): number => {
    if (step <= warmupSteps) return (peak * step) / warmupSteps;
    const progress = Math.min(1, (step - warmupSteps) / (totalSteps - warmupSteps));
    return floor + (peak - floor) * 0.5 * (1 + Math.cos(Math.PI * progress));
  };
  return Object.assign(fn, { config: { kind: 'warmupCosine', peak, warmupSteps, totalSteps, floor } });
}

/** Rebuilds a built-in schedule from its checkpointed config. */
export function scheduleFromConfig(c: TrainingConfig): Schedule {
  const num = (k: string): number => Number(c[k]);
  switch (c.kind) {
    case 'constant':
      return constant(num('lr'));
    case 'warmupCosine':
      return warmupCosine({ peak: num('peak'), warmupSteps: num('warmupSteps'), totalSteps: num('totalSteps'), floor: num('floor') });
    default:
      throw new GradlocError('BAD_INPUT', `the checkpoint's schedule '${c.kind}' is not built in: pass the schedule to resume()`);
  }
}
