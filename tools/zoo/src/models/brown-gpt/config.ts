/** brown-gpt's recipe constants and card shape (shared by the training script and its card). */
import type { Card, SplitWindows } from '@gradloc/models';

export const BROWN_GPT_NAME = 'brown-gpt';

export const BROWN_GPT = {
  context: 64,
  dim: 192,
  depth: 4,
  heads: 4,
  batch: 32,
  steps: 1500,
  seed: 1,
  peakLr: 1e-3,
  warmupSteps: 100,
  floorLr: 1e-4,
  weightDecay: 0.1,
  /** Validation windows scored every `monitorEvery` steps to watch the run (not the card's numbers). */
  monitorWindows: 256,
  monitorEvery: 250,
} as const;

/** The card's `evaluation` also records the windows scored per split, so `zoo eval` scores the same ones. */
export interface BrownGptCard extends Card {
  readonly evaluation: Card['evaluation'] & { readonly windows: SplitWindows };
}
