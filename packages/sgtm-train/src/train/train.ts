/**
 * Training a GPT with SGTM or a baseline on two domains. One session compiles the whole
 * step (forward with gates, loss, gradients of every parameter); the batch label picks the
 * gate feeds and the parameter groups the step may update (methods.ts). With
 * `maskedGroups: 'skip'` (default) groups a step may not update keep their values AND their
 * AdamW state (per-group optimizers, the reference's --optimizer-strategy split); 'step' is
 * one AdamW over everything (the paper scripts' default), where momentum and weight decay
 * still move masked parameters.
 */
import { adamw, addNextTokenLoss, GradlocError, Trainer, warmupCosine, type Graph, type MaskedGroups, type RuntimeOptions, type Schedule, type StepResult } from '@gradloc/tensor-backend';
import { NO_DECAY, SGTM_TRAIN } from '../config.js';
import { labelledBatches, type DomainStreams, type LabelledLmBatch } from '../data/batches.js';
import type { BatchLabel } from '../data/labels.js';
import { trainingGraph } from '../model/graphs.js';
import { gptLayout, requireContext } from '../split/gpt-layout.js';
import { JOINT_GROUP, splitParameters, type ParamSplit, type SplitOptions } from '../split/param-split.js';
import { maskFeeds } from './feeds.js';
import { planStep, usesSplit, type Method } from './methods.js';

export interface TrainProgress {
  /** Batches drawn so far (the run's step), of `total`. */
  readonly step: number;
  readonly total: number;
  readonly label: BatchLabel;
  /** Loss of this batch (NaN when it was skipped). */
  readonly loss: number;
  readonly lr: number;
  /** Trained tokens per second so far (skipped batches excluded). */
  readonly tokensPerSec: number;
  readonly etaSec: number;
}

export interface SgtmTrainOptions {
  /** Forward causal LM with an LM-head bias (buildSgtmGpt, or withLogitBias on a loaded model). */
  readonly model: Graph;
  readonly streams: DomainStreams;
  readonly method: Method;
  /** Share of forget data left unlabelled, in [0, 1]. */
  readonly undiscovered: number;
  readonly retainLabelled?: number;
  readonly forgetShare?: number;
  readonly split?: SplitOptions;
  readonly heads?: number;
  readonly steps?: number;
  readonly batch?: number;
  readonly seed?: number;
  readonly peakLr?: number;
  readonly warmupSteps?: number;
  readonly floorLr?: number;
  readonly weightDecay?: number;
  readonly maskedGroups?: MaskedGroups;
  readonly runtime?: RuntimeOptions;
  readonly onProgress?: (p: TrainProgress) => void;
  readonly signal?: AbortSignal;
}

export interface SgtmTrainResult {
  /** The forward graph (with LM-head bias) carrying the trained weights. */
  readonly model: Graph;
  readonly method: Method;
  readonly split: ParamSplit | undefined;
  readonly steps: number;
  readonly updates: number;
  readonly labels: Readonly<Record<BatchLabel, number>>;
  readonly tokensPerSec: number;
  readonly wallSec: number;
  readonly finalLoss: number;
  readonly aborted: boolean;
}

/** One method's training step on a labelled batch: gates, groups, or a skip. */
export interface SgtmStepper {
  readonly method: Method;
  readonly split: ParamSplit | undefined;
  readonly trainer: Trainer;
  /** Trains on the batch as its label says; the trainer's step result, or undefined when the method skips it. */
  step(b: Pick<LabelledLmBatch, 'inputIds' | 'targets' | 'label'>): Promise<StepResult | undefined>;
  release(): Promise<void>;
}

export interface StepperOptions {
  readonly model: Graph;
  readonly method: Method;
  readonly split?: SplitOptions;
  readonly heads?: number;
  readonly schedule?: Schedule;
  readonly weightDecay?: number;
  readonly maskedGroups?: MaskedGroups;
  readonly seed?: number;
  readonly runtime?: RuntimeOptions;
}

export function createStepper(opts: StepperOptions): SgtmStepper {
  const layout = gptLayout(opts.model, { heads: opts.heads });
  // every method gets the same split check, so bad options fail the same way
  const split = splitParameters(layout, opts.split);
  const masked = usesSplit(opts.method) ? split : undefined;
  const graph = masked ? trainingGraph(opts.model, masked, { routing: opts.method === 'routing' }) : addNextTokenLoss(opts.model);
  const trainer = new Trainer({
    model: graph,
    optimizer: adamw({ weightDecay: opts.weightDecay ?? SGTM_TRAIN.weightDecay, noDecay: NO_DECAY }),
    schedule: opts.schedule,
    clipNorm: SGTM_TRAIN.clipNorm,
    groups: masked?.groups,
    restGroup: JOINT_GROUP,
    maskedGroups: opts.maskedGroups,
    seed: opts.seed ?? SGTM_TRAIN.seed,
    runtime: opts.runtime,
  });
  const feeds = maskFeeds(masked, opts.method === 'routing');
  return {
    method: opts.method,
    split: masked,
    trainer,
    async step(b) {
      const plan = planStep(opts.method, b.label);
      if (plan.skip) return undefined;
      return trainer.step({ input_ids: b.inputIds, targets: b.targets, ...feeds.of(plan) }, { groups: plan.groups });
    },
    release: () => trainer.release(),
  };
}

export async function trainSgtm(opts: SgtmTrainOptions): Promise<SgtmTrainResult> {
  const t0 = performance.now();
  const steps = opts.steps ?? SGTM_TRAIN.steps;
  const batch = opts.batch ?? SGTM_TRAIN.batch;
  if (!(Number.isInteger(steps) && steps >= 1)) throw new GradlocError('BAD_INPUT', `steps must be a positive integer, got ${steps}`);
  const context = requireContext(gptLayout(opts.model, { heads: opts.heads }));
  let drawn = 0;
  const base = warmupCosine({
    peak: opts.peakLr ?? SGTM_TRAIN.peakLr,
    warmupSteps: Math.min(opts.warmupSteps ?? SGTM_TRAIN.warmupSteps, Math.floor(steps / 10)),
    totalSteps: steps,
    floor: opts.floorLr ?? SGTM_TRAIN.floorLr,
  });
  const stream = labelledBatches(opts.streams, {
    context,
    batch,
    seed: opts.seed ?? SGTM_TRAIN.seed,
    undiscovered: opts.undiscovered,
    retainLabelled: opts.retainLabelled,
    forgetShare: opts.forgetShare,
  });
  // the schedule follows batches drawn, so a filtered run (fewer updates) anneals on the same clock
  const stepper = createStepper({ ...opts, schedule: () => base(drawn) });
  const labels: Record<BatchLabel, number> = { forget: 0, retain: 0, default: 0 };
  let trainMs = 0;
  let tokens = 0;
  let finalLoss = NaN;
  let aborted = false;
  try {
    for (const b of stream) {
      if (drawn >= steps) break;
      if (opts.signal?.aborted) {
        aborted = true;
        break;
      }
      drawn++;
      labels[b.label]++;
      const s0 = performance.now();
      const loss = (await stepper.step(b))?.loss ?? NaN;
      if (!Number.isNaN(loss)) {
        trainMs += performance.now() - s0;
        tokens += b.inputIds.data.length;
        finalLoss = loss;
      }
      const perStep = (performance.now() - t0) / drawn;
      opts.onProgress?.({ step: drawn, total: steps, label: b.label, loss, lr: base(drawn), tokensPerSec: trainMs ? (tokens * 1000) / trainMs : 0, etaSec: ((steps - drawn) * perStep) / 1000 });
    }
    return {
      model: stepper.trainer.weightsInto(opts.model),
      method: opts.method,
      split: stepper.split,
      steps: drawn,
      updates: stepper.trainer.stepCount,
      labels,
      tokensPerSec: trainMs ? (tokens * 1000) / trainMs : 0,
      wallSec: (performance.now() - t0) / 1000,
      finalLoss,
      aborted,
    };
  } finally {
    await stepper.release();
  }
}
