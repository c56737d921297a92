/**
 * What each training method does with a labelled batch (the reference's sgtm_mode handling):
 *  - sgtm: forget batches update only forget + joint parameters (retain gradients zeroed);
 *    retain batches run with forget units' activations zeroed and update retain + joint;
 *    default batches train everything.
 *  - routing (the reference repo's gradient-routing variant): forget batches detach the
 *    retain units' activations (the value flows, the gradient into retain units does not);
 *    retain batches as in SGTM; no parameter gradient is zeroed.
 *  - filter (data filtering): batches labelled forget are dropped; undiscovered ones train.
 *  - none: no filtering, no masking.
 */
import { GradlocError } from '@gradloc/tensor-backend';
import type { BatchLabel } from '../data/labels.js';
import { JOINT_GROUP } from '../split/param-split.js';

export const METHODS = ['sgtm', 'routing', 'filter', 'none'] as const;
export type Method = (typeof METHODS)[number];

export interface StepPlan {
  readonly skip: boolean;
  /** Groups the step may update (undefined: all). */
  readonly groups?: readonly string[];
  /** Gate values: open (ones) or forget units zeroed. */
  readonly gate: 'open' | 'retain';
  /** Detach retain units (routing on forget batches). */
  readonly route: boolean;
}

const OPEN: StepPlan = { skip: false, gate: 'open', route: false };
const RETAIN: StepPlan = { skip: false, groups: ['retain', JOINT_GROUP], gate: 'retain', route: false };

export function parseMethod(name: string): Method {
  if ((METHODS as readonly string[]).includes(name)) return name as Method;
  throw new GradlocError('BAD_INPUT', `unknown method '${name}' (${METHODS.join(', ')})`);
}

/** Methods whose training graph needs the parameter split (gates, groups). */
export const usesSplit = (m: Method): boolean => m === 'sgtm' || m === 'routing';

export function planStep(method: Method, label: BatchLabel): StepPlan {
  if (label === 'default') return OPEN;
  switch (method) {
    case 'none':
      return OPEN;
    case 'filter':
      return label === 'forget' ? { ...OPEN, skip: true } : OPEN;
    case 'sgtm':
      return label === 'forget' ? { ...OPEN, groups: ['forget', JOINT_GROUP] } : RETAIN;
    case 'routing':
      return label === 'forget' ? { ...OPEN, route: true } : RETAIN;
  }
}
