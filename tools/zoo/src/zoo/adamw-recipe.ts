/**
 * The optimisation most zoo recipes share: AdamW with decay off for some weights, a linear
 * warm-up then cosine to 1% of the peak, global-norm clipping; and how a card describes it.
 */
import { adamw, Trainer, warmupCosine, type Graph, type Optimizer, type Schedule } from '@gradloc/tensor-backend';
import { runtimeFor } from './run-info.js';

export interface AdamWRecipe {
  readonly peakLr: number;
  readonly weightDecay: number;
  /** Weights without decay (biases, norms, embeddings, ...). */
  readonly noDecay: RegExp;
  readonly clipNorm: number;
  /** Fraction of the steps spent warming up. */
  readonly warmupFraction: number;
}

export interface AdamWPlan {
  readonly optimizer: Optimizer;
  readonly schedule: Schedule;
  readonly clipNorm: number;
  readonly warmupSteps: number;
  /** The card's `optimizer` and `schedule` lines. */
  readonly describe: { readonly optimizer: string; readonly schedule: string };
}

export function adamwPlan(r: AdamWRecipe, steps: number): AdamWPlan {
  const warmupSteps = Math.max(1, Math.floor(steps * r.warmupFraction));
  const floor = r.peakLr / 100;
  return {
    optimizer: adamw({ weightDecay: r.weightDecay, noDecay: r.noDecay }),
    schedule: warmupCosine({ peak: r.peakLr, warmupSteps, totalSteps: Math.max(steps, warmupSteps + 1), floor }),
    clipNorm: r.clipNorm,
    warmupSteps,
    describe: {
      optimizer: `AdamW (betas 0.9/0.999, weight decay ${r.weightDecay}, none on ${r.noDecay.source}), gradients clipped to global norm ${r.clipNorm}`,
      schedule: `warmupCosine: peak ${r.peakLr}, ${warmupSteps} warm-up steps, cosine to ${Number(floor.toPrecision(6))} at step ${steps}`,
    },
  };
}

/**
 * A Trainer for `model` (a graph with a scalar `loss`) under the recipe's AdamW plan. Its
 * sessions do not spin: training and validation sessions alternate, and idle spinning
 * threads would slow each other.
 */
export function adamwTrainer(model: Graph, r: AdamWRecipe, steps: number, seed: number, threads: number | undefined): { trainer: Trainer; plan: AdamWPlan } {
  const plan = adamwPlan(r, steps);
  const trainer = new Trainer({
    model,
    optimizer: plan.optimizer,
    schedule: plan.schedule,
    clipNorm: plan.clipNorm,
    seed,
    runtime: { ...runtimeFor(threads), spinning: false },
  });
  return { trainer, plan };
}
