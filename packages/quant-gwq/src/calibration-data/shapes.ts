/**
 * Grounder calibration samples: one `shapes` scene per sample with every colour-shape query
 * ("a red circle", ... 42 phrases), the image + query pairs the grounder is served with.
 * The loss is distillation against the model's own outputs (quant-gwq's 'distill'), since
 * the scenes' boxes would only score the queries that name present objects.
 */
import { GradlocError, type Feeds, type ValueInfo } from '@gradloc/tensor-backend';
import { generateSplitBatch, queryIds, type ShapesSplit } from '@gradloc/models';
import type { CalibrationInput } from '../calib/calibrate.js';
import type { OutputKind } from '../calib/loss-graphs.js';

/** Output kinds of a grounder: query logits are independent sigmoids, boxes a regression. */
export function grounderOutputKinds(outputs: readonly ValueInfo[]): Record<string, OutputKind> {
  const kinds: Record<string, OutputKind> = {};
  for (const o of outputs) {
    if (o.dtype !== 'float32') continue;
    if (/logits/i.test(o.name)) kinds[o.name] = 'sigmoid';
    else if (/box/i.test(o.name)) kinds[o.name] = 'gaussian';
  }
  if (!Object.values(kinds).includes('sigmoid')) {
    throw new GradlocError('BAD_MODEL', `shapes calibration is for grounders with a query 'logits' output (outputs: ${outputs.map((o) => o.name).join(', ')})`);
  }
  return kinds;
}

export function shapesCalibration(inputs: readonly ValueInfo[], outputs: readonly ValueInfo[], split: ShapesSplit, samples: number, seed: number): CalibrationInput {
  const pixels = inputs.find((i) => i.name === 'pixel_values');
  const ids = inputs.find((i) => i.name === 'input_ids');
  if (!pixels || !ids || inputs.length !== 2) {
    throw new GradlocError('BAD_MODEL', `shapes calibration needs a model with inputs pixel_values and input_ids (this one has: ${inputs.map((i) => i.name).join(', ')})`);
  }
  const maxLen = ids.dims?.[1];
  if (typeof maxLen !== 'number') throw new GradlocError('BAD_MODEL', "input_ids needs a fixed query length (dim 1) for shapes calibration");
  const queries = queryIds('indefinite', maxLen);
  const feeds: Feeds[] = [];
  // each seed takes its own stretch of the split
  for (let i = 0; i < samples; i++) feeds.push({ pixel_values: generateSplitBatch(split, seed * 1000 + i, 1).images, input_ids: queries });
  return { loss: { kind: 'distill', outputs: grounderOutputKinds(outputs), seed }, samples: feeds };
}
