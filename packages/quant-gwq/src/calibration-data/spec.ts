/**
 * Calibration data for `gradloc quantize --calib SPEC`, from the data this repository
 * generates or ships: `CORPUS:SPLIT[:N[:SEED]]`.
 * - `brown:train:32`: N random windows of the Brown split (context + 1 tokens each), scored
 *   with the language-model loss (mean next-token cross-entropy);
 * - `shapes:train:32`: N `shapes` scenes, each with the 42 colour-shape queries, scored with
 *   the distillation loss against the full-precision model's own outputs (for grounders:
 *   `logits` as per-query sigmoids, boxes as a Gaussian regression).
 * Calibration should not see the test split the model is scored on; 'train' is the default.
 */
import { GradlocError } from '@gradloc/tensor-backend';

export type CalibrationCorpus = 'brown' | 'shapes';

export interface CalibrationSpec {
  readonly corpus: CalibrationCorpus;
  readonly split: 'train' | 'validation' | 'test';
  readonly samples: number;
  readonly seed: number;
}

/** GWQ's point is that a few samples suffice; 1-128 are accepted. */
export const MAX_CALIBRATION_SAMPLES = 128;
export const DEFAULT_CALIBRATION_SAMPLES = 32;

export function parseCalibrationSpec(spec: string): CalibrationSpec {
  const [corpus, split = 'train', count, seed, ...rest] = spec.split(':');
  const usage = `--calib must look like brown:train:32 or shapes:train:32 (CORPUS:SPLIT[:N[:SEED]]), got '${spec}'`;
  if (rest.length > 0 || (corpus !== 'brown' && corpus !== 'shapes')) throw new GradlocError('BAD_INPUT', usage);
  if (split !== 'train' && split !== 'validation' && split !== 'test') throw new GradlocError('BAD_INPUT', `${usage}: the split is train, validation or test`);
  const samples = count === undefined ? DEFAULT_CALIBRATION_SAMPLES : Number(count);
  if (!Number.isInteger(samples) || samples < 1 || samples > MAX_CALIBRATION_SAMPLES) {
    throw new GradlocError('BAD_INPUT', `${usage}: N must be an integer from 1 to ${MAX_CALIBRATION_SAMPLES}`);
  }
  const s = seed === undefined ? 0 : Number(seed);
  if (!Number.isInteger(s) || s < 0) throw new GradlocError('BAD_INPUT', `${usage}: SEED must be a non-negative integer`);
  return { corpus, split, samples, seed: s };
}
