/** Calibration inputs for `gradloc quantize --calib SPEC` (spec.ts), built for a given model. */
import type { OnnxModel } from '@gradloc/tensor-backend';
import type { CalibrationInput } from '@gradloc/quant-gwq';
import { checkCausalLm, lmContext } from '../metrics/causal-lm.js';
import { loadBrownTokenizer } from '../data/brown/brown-tokenizer.js';
import { brownCalibration } from './brown.js';
import { shapesCalibration } from './shapes.js';
import type { CalibrationSpec } from './spec.js';

export * from './spec.js';
export { grounderOutputKinds, shapesCalibration } from './shapes.js';
export { brownCalibration } from './brown.js';

/** The calibration samples and loss `spec` describes, shaped for `model` (read from `modelPath`). */
export function calibrationFor(model: OnnxModel, spec: CalibrationSpec, modelPath?: string): CalibrationInput {
  if (spec.corpus === 'brown') {
    checkCausalLm(model, loadBrownTokenizer().size);
    return brownCalibration(spec.split, spec.samples, lmContext(model, modelPath), spec.seed);
  }
  return shapesCalibration(model.graph.inputs, model.graph.outputs, spec.split, spec.samples, spec.seed);
}
