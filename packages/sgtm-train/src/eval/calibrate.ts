/**
 * Logit calibration after ablation (the reference's eval_calibrated metrics): zeroing
 * parameters shifts the logits, which inflates BOTH losses; retraining only the LM-head bias
 * on mixed data removes that shift before losses are compared. As the reference: the bias is
 * re-initialised N(0, 0.1), trained with AdamW (lr 1e-2, linear decay to 0.1x) on
 * loss = L_forget + alpha L_retain (alpha 100); here 100 steps of 8 + 8 rows.
 */
import { adamw, Graph, GradlocError, randn, rng, tensor, Trainer, type RuntimeOptions } from '@gradloc/tensor-backend';
import { addNextTokenLoss, tensorToProto } from '@gradloc/tensor-backend';
import { CALIBRATION } from '../config.js';
import { stackRows, windowSampler, type DomainStreams } from '../data/batches.js';
import { LOGIT_BIAS } from '../model/graphs.js';

export interface CalibrationOptions {
  readonly context: number;
  readonly steps?: number;
  readonly lr?: number;
  readonly alpha?: number;
  readonly rows?: number;
  readonly seed?: number;
  readonly runtime?: RuntimeOptions;
}

/** A copy of `model` whose LM-head bias was retrained on `train` (forget + retain windows). */
export async function calibrate(model: Graph, train: DomainStreams, opts: CalibrationOptions): Promise<Graph> {
  const steps = opts.steps ?? CALIBRATION.steps;
  const lr = opts.lr ?? CALIBRATION.lr;
  const alpha = opts.alpha ?? CALIBRATION.alpha;
  const rows = opts.rows ?? CALIBRATION.rows;
  const seed = opts.seed ?? CALIBRATION.seed;
  const bias = model.initializers.get(LOGIT_BIAS);
  if (!bias) throw new GradlocError('BAD_MODEL', `calibration needs an LM-head bias '${LOGIT_BIAS}' (withLogitBias adds one)`);
  const start = model.clone();
  start.initializers.set(LOGIT_BIAS, tensorToProto(LOGIT_BIAS, randn('float32', bias.dims.map(Number), rng(seed), CALIBRATION.initStd)));
  const trainer = new Trainer({
    model: addNextTokenLoss(start, { rowWeights: 'row_weights' }),
    params: [LOGIT_BIAS],
    optimizer: adamw({ lr }),
    // LinearLR(start 1.0, end 0.1) over the run
    schedule: (step) => lr * (1 - (0.9 * (step - 1)) / Math.max(1, steps - 1)),
    seed,
    runtime: opts.runtime,
  });
  const forget = windowSampler(train.forget, opts.context, seed * 2 + 1);
  const retain = windowSampler(train.retain, opts.context, seed * 2 + 2);
  const weights = tensor('float32', [2 * rows], Float32Array.from({ length: 2 * rows }, (_, i) => (i < rows ? 1 / rows : alpha / rows)));
  try {
    for (let s = 0; s < steps; s++) {
      const f = forget(rows);
      const r = retain(rows);
      await trainer.step({ input_ids: stackRows(f.inputIds, r.inputIds), targets: stackRows(f.targets, r.targets), row_weights: weights });
    }
    return trainer.weightsInto(model);
  } finally {
    await trainer.release();
  }
}
