/**
 * Calibration inputs for `gradloc quantize --calib SPEC` (spec.ts), built for a given model
 * from the data @gradloc/models gives access to (the Brown corpus, the shapes scenes).
 */
import type { OnnxModel } from '@gradloc/tensor-backend';
import { brownTokenizerPath, checkCausalLm, lmContext, loadBrownTokenizer, type ModelsOptions } from '@gradloc/models';
import type { CalibrationInput } from '../calib/calibrate.js';
import { brownCalibration } from './brown.js';
import { shapesCalibration } from './shapes.js';
import type { CalibrationSpec } from './spec.js';

export * from './spec.js';
export { grounderOutputKinds, shapesCalibration } from './shapes.js';
export { brownCalibration } from './brown.js';
export { folderCalibration } from './folder.js';

export interface CalibrationForOptions extends ModelsOptions {
  /** Where the model was read from: a card.json beside it may give the LM context. */
  readonly modelPath?: string;
}

/** The calibration samples and loss `spec` describes, shaped for `model`. Brown specs read the tokenizer of the models folder. */
export function calibrationFor(model: OnnxModel, spec: CalibrationSpec, opts: CalibrationForOptions = {}): CalibrationInput {
  if (spec.corpus === 'brown') {
    const tokenizer = loadBrownTokenizer(brownTokenizerPath(opts));
    checkCausalLm(model, tokenizer.size);
    return brownCalibration(spec.split, spec.samples, lmContext(model, opts.modelPath), spec.seed, tokenizer);
  }
  return shapesCalibration(model.graph.inputs, model.graph.outputs, spec.split, spec.samples, spec.seed);
}
