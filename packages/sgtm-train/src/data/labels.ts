/**
 * Which label a training batch gets (the reference trainer.py): every step draws its source
 * (forget data with probability `forgetShare`, the paper's 50/50 parallel corpus), then
 *  - a forget batch is labelled `default` with probability = the undiscovered rate (data a
 *    classifier missed), else `forget`;
 *  - a retain batch is labelled `retain` with probability `retainLabelled` (25% in the
 *    reference's TinyStories scripts), else `default`.
 * The whole batch has one label.
 */
import { GradlocError, type Rand } from '@gradloc/tensor-backend';

export type Source = 'forget' | 'retain';
export type BatchLabel = 'forget' | 'retain' | 'default';

export interface LabelRates {
  /** Share of forget data that is NOT labelled forget, in [0, 1]. */
  readonly undiscovered: number;
  /** Share of retain batches labelled retain (default 0.25). */
  readonly retainLabelled?: number;
  /** Share of batches drawn from the forget data (default 0.5). */
  readonly forgetShare?: number;
}

export const DEFAULT_RETAIN_LABELLED = 0.25;
export const DEFAULT_FORGET_SHARE = 0.5;

/** The undiscovered rate of a CLI/API percentage, checked. */
export function undiscoveredFromPercent(percent: number): number {
  if (!(Number.isFinite(percent) && percent >= 0 && percent <= 100)) {
    throw new GradlocError('BAD_INPUT', `the undiscovered rate must be a percentage in [0, 100], got ${percent}`);
  }
  return percent / 100;
}

function requireRate(name: string, v: number): void {
  if (!(Number.isFinite(v) && v >= 0 && v <= 1)) throw new GradlocError('BAD_INPUT', `${name} must be in [0, 1], got ${v}`);
}

export function checkRates(r: LabelRates): Required<LabelRates> {
  const out = { undiscovered: r.undiscovered, retainLabelled: r.retainLabelled ?? DEFAULT_RETAIN_LABELLED, forgetShare: r.forgetShare ?? DEFAULT_FORGET_SHARE };
  for (const [k, v] of Object.entries(out)) requireRate(k, v);
  return out;
}

/** One draw: the batch's source and its label. */
export function drawLabel(rand: Rand, rates: Required<LabelRates>): { source: Source; label: BatchLabel } {
  if (rand() < rates.forgetShare) return { source: 'forget', label: rand() < rates.undiscovered ? 'default' : 'forget' };
  return { source: 'retain', label: rand() < rates.retainLabelled ? 'retain' : 'default' };
}
