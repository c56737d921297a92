/** Gate and route feeds of a step, built once per value and reused (onnxruntime only reads them). */
import { tensor, type Tensor } from '@gradloc/tensor-backend';
import type { ParamSplit } from '../split/param-split.js';
import type { StepPlan } from './methods.js';

export interface MaskFeeds {
  /** Feeds for a plan (gates, plus routes when the graph has them). */
  of(plan: Pick<StepPlan, 'gate' | 'route'>): Record<string, Tensor>;
}

const asTensors = (values: Readonly<Record<string, Float32Array>>, rename: (k: string) => string = (k) => k, flip = false): Record<string, Tensor> =>
  Object.fromEntries(Object.entries(values).map(([k, v]) => [rename(k), tensor('float32', [v.length], flip ? v.map((x) => 1 - x) : v)]));

export function maskFeeds(split: ParamSplit | undefined, routing: boolean): MaskFeeds {
  if (!split) return { of: () => ({}) };
  const gates = { open: asTensors(split.gateValues('open')), retain: asTensors(split.gateValues('retain')) };
  const toRoute = (k: string): string => k.replace('sgtm_gate.', 'sgtm_route.');
  // a route of ones passes every gradient; on forget batches it is 0 on retain units, 1 on
  // forget units: the complement of the retain gate
  const routes = routing ? { open: asTensors(split.gateValues('open'), toRoute), detachRetain: asTensors(split.gateValues('retain'), toRoute, true) } : undefined;
  return {
    of: (plan) => ({ ...gates[plan.gate], ...(routes ? (plan.route ? routes.detachRetain : routes.open) : {}) }),
  };
}
