/**
 * RMU (Li et al. 2024, "The WMDP Benchmark"), as the SGTM reference's train/rmu.py runs it
 * on an unfiltered model: a frozen copy and an updated copy; at one middle block's output h,
 *   loss = MSE(h_upd(forget), c u) + alpha MSE(h_upd(retain), h_frozen(retain)),
 * u a fixed random direction (U[0,1)^d, unit norm), c the steering scale; only the MLPs of
 * that block and the two before it are updated. Both terms are one row-weighted activation
 * loss (weights 1/n_forget and alpha/n_retain) on a batch of forget rows then retain rows.
 */
import { addActivationLoss, adamw, GradlocError, Graph, OnnxModel, rng, tensor, Trainer, type RuntimeOptions } from '@gradloc/tensor-backend';
import { stackRows, windowSampler, type DomainStreams } from '../data/batches.js';
import type { GptLayout } from '../split/gpt-layout.js';

export interface RmuOptions {
  readonly layout: GptLayout;
  readonly context: number;
  /** Hooked block (default: the middle one, floor((depth - 1) / 2)). */
  readonly layer?: number;
  /** Steering scale c (default 20, the reference's). */
  readonly steer?: number;
  /** Retain weight alpha (default 100). */
  readonly alpha?: number;
  /** Default 200 steps of 8 forget + 8 retain rows, AdamW lr 1e-3. */
  readonly steps?: number;
  readonly rows?: number;
  readonly lr?: number;
  readonly seed?: number;
  readonly runtime?: RuntimeOptions;
  readonly onStep?: (step: number, loss: number) => void;
}

export const RMU_DEFAULTS = { steer: 20, alpha: 100, steps: 200, rows: 8, lr: 1e-3, seed: 11 } as const;

/** A copy of `model` after RMU; `train` gives the forget and retain windows. */
export async function applyRmu(model: Graph, train: DomainStreams, opts: RmuOptions): Promise<Graph> {
  const { layout, context } = opts;
  const layer = opts.layer ?? Math.floor((layout.layers.length - 1) / 2);
  const hooked = layout.layers[layer]?.blockOutput;
  if (!hooked) throw new GradlocError('BAD_INPUT', `RMU: layer ${layer} has no block output to hook (the model has ${layout.layers.length} layers)`);
  const steps = opts.steps ?? RMU_DEFAULTS.steps;
  const rows = opts.rows ?? RMU_DEFAULTS.rows;
  const alpha = opts.alpha ?? RMU_DEFAULTS.alpha;
  const steer = opts.steer ?? RMU_DEFAULTS.steer;
  const seed = opts.seed ?? RMU_DEFAULTS.seed;
  const dim = layout.dim;
  // u ~ U[0,1)^d normalised, times c
  const rand = rng(seed);
  const u = Float32Array.from({ length: dim }, () => rand());
  const norm = Math.hypot(...u);
  const control = u.map((x) => (steer * x) / norm);

  const probe = Graph.fromModel(model.toModel());
  probe.addOutput(hooked, 'float32', null);
  const frozen = OnnxModel.fromGraph(probe, opts.runtime ?? {});
  const updated = layout.layers.filter((l) => l.index <= layer && l.index >= layer - 2).flatMap((l) => [l.fcWeight, l.fcBias, l.projWeight, l.projBias]);
  const trainer = new Trainer({
    model: addActivationLoss(model, { tensor: hooked, dims: ['batch', 'seq', dim] }),
    params: updated,
    optimizer: adamw({ lr: opts.lr ?? RMU_DEFAULTS.lr, weightDecay: 0 }),
    seed,
    runtime: opts.runtime,
  });
  const forget = windowSampler(train.forget, context, seed * 2 + 1);
  const retain = windowSampler(train.retain, context, seed * 2 + 2);
  const weights = tensor('float32', [2 * rows], Float32Array.from({ length: 2 * rows }, (_, i) => (i < rows ? 1 / rows : alpha / rows)));
  const target = new Float32Array(2 * rows * context * dim);
  for (let i = 0; i < rows * context; i++) target.set(control, i * dim);
  try {
    for (let s = 1; s <= steps; s++) {
      const f = forget(rows);
      const r = retain(rows);
      const kept = (await frozen.run({ input_ids: r.inputIds }, [hooked]))[hooked].data as Float32Array;
      target.set(kept, rows * context * dim);
      const step = await trainer.step({
        input_ids: stackRows(f.inputIds, r.inputIds),
        activation_target: tensor('float32', [2 * rows, context, dim], target),
        row_weights: weights,
      });
      opts.onStep?.(s, step.loss);
    }
    return trainer.weightsInto(model);
  } finally {
    await Promise.all([trainer.release(), frozen.release()]);
  }
}
