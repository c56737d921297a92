/**
 * Training setup for recipes whose builder is called twice with the same seed: once for the
 * shipped forward graph, once for a copy that gets the loss, so both start from the same
 * weights. The Trainer differentiates the loss copy, with any BatchNorm on batch statistics
 * (@gradloc/tensor-backend training/batch-norm.ts); `withTrainedWeights` later copies its weights into `forward`.
 */
import type { Graph, Trainer } from '@gradloc/tensor-backend';
import { adamwTrainer, type AdamWPlan, type AdamWRecipe } from '../../zoo/adamw-recipe.js';
import { countParameters } from '../../zoo/export.js';
import { trainingGraph } from '@gradloc/tensor-backend';

export interface LossTraining {
  readonly forward: Graph;
  readonly parameters: number;
  readonly trainer: Trainer;
  readonly plan: AdamWPlan;
}

export function lossTraining<G extends { readonly graph: Graph }>(
  build: (seed: number) => G,
  addLoss: (g: G) => unknown,
  r: AdamWRecipe,
  run: { readonly seed: number; readonly steps: number },
  threads: number | undefined,
): LossTraining {
  const forward = build(run.seed).graph;
  const withLoss = build(run.seed);
  addLoss(withLoss);
  return { forward, parameters: countParameters(forward), ...adamwTrainer(trainingGraph(withLoss.graph), r, run.steps, run.seed, threads) };
}
