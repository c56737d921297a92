/**
 * `gradloc sgtm eval`: held-out test losses of the two domains, optionally after ablation
 * and logit calibration (calibrated = the reference's reported metric).
 */
import type { RuntimeOptions } from '@gradloc/tensor-backend';
import { ablate } from '../eval/ablate.js';
import { calibrate } from '../eval/calibrate.js';
import { domainLosses, type DomainLosses } from '../eval/losses.js';
import type { OpenedModel } from './open-model.js';
import { domainStreams } from './streams.js';

export interface EvalOptions {
  readonly ablate?: boolean;
  readonly calibrate?: boolean;
  /** Windows per domain (default all of the test split). */
  readonly maxWindows?: number;
  readonly calibrationSteps?: number;
  readonly runtime?: RuntimeOptions;
}

export async function evaluateSgtm(m: OpenedModel, opts: EvalOptions = {}): Promise<DomainLosses> {
  let graph = opts.ablate ? ablate(m.graph, m.split.forget) : m.graph;
  if (opts.calibrate) graph = await calibrate(graph, domainStreams('train', m.tokenizer), { context: m.context, steps: opts.calibrationSteps, runtime: opts.runtime });
  return domainLosses(graph, domainStreams('test', m.tokenizer), { context: m.context, maxWindows: opts.maxWindows, runtime: opts.runtime });
}
