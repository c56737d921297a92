/** Language-model calibration samples: random Brown windows with their next-token targets. */
import type { Feeds } from '@gradloc/tensor-backend';
import { lmBatches, type BrownSplit, type WordTokenizer } from '@gradloc/models';
import type { CalibrationInput } from '../calib/calibrate.js';

/** `tokenizer`: default the shipped one (brown-gpt/tokenizer.json of the models folder). */
export function brownCalibration(split: BrownSplit, samples: number, context: number, seed: number, tokenizer?: WordTokenizer): CalibrationInput {
  const feeds: Feeds[] = [];
  for (const b of lmBatches({ split, context, batch: 1, seed, steps: samples, tokenizer })) feeds.push({ input_ids: b.inputIds, targets: b.targets });
  return { loss: { kind: 'lm', logits: 'logits', targets: 'targets' }, samples: feeds };
}
