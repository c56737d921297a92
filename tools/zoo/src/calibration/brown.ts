/** Language-model calibration samples: random Brown windows with their next-token targets. */
import type { Feeds } from '@gradloc/tensor-backend';
import type { CalibrationInput } from '@gradloc/quant-gwq';
import { lmBatches } from '../data/brown/brown-streams.js';
import type { BrownSplit } from '../data/brown/split.js';

export function brownCalibration(split: BrownSplit, samples: number, context: number, seed: number): CalibrationInput {
  const feeds: Feeds[] = [];
  for (const b of lmBatches({ split, context, batch: 1, seed, steps: samples })) feeds.push({ input_ids: b.inputIds, targets: b.targets });
  return { loss: { kind: 'lm', logits: 'logits', targets: 'targets' }, samples: feeds };
}
