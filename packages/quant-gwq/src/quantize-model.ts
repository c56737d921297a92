/**
 * The high-level entry point: quantize a loaded model with calibration data chosen and loaded
 * only when the method needs it, and (optionally) score the result against the FP32 model on
 * the same held-out data. `gradloc quantize`, the dashboard's quant job and the reports call
 * this; quantizeGraph and calibrate stay available for sweeps that share one calibration.
 */
import { OnnxModel, type RuntimeOptions } from '@gradloc/tensor-backend';
import { brownPerplexity, type ModelsOptions } from '@gradloc/models';
import type { CalibrationInput } from './calib/calibrate.js';
import { calibrationFor, parseCalibrationSpec, type CalibrationSpec } from './calibration-data/index.js';
import { quantizeGraph, usesCalibration, type QuantizeOptions, type QuantizeResult } from './quantize.js';

export interface QuantizeModelOptions extends Omit<QuantizeOptions, 'calibration' | 'calibrated' | 'runtime'>, ModelsOptions {
  readonly model: OnnxModel;
  /** Where the model was read from (a card beside it may give a language model's context). */
  readonly modelPath?: string;
  /**
   * Calibration data: a spec (`brown:train:32`, `shapes:train:32`), ready-made samples, or
   * default: `defaultCalibrationSpec(model)`. Loaded only when the method needs calibration.
   */
  readonly calibration?: string | CalibrationSpec | CalibrationInput;
  readonly runtime?: RuntimeOptions;
}

export interface QuantizedModel extends QuantizeResult {
  /** The calibration used (undefined when the method needed none). */
  readonly calibration?: { readonly spec?: CalibrationSpec; readonly samples: number };
  /**
   * Outliers kept, in percent of the weights: what was asked for, or 0 for a method that keeps
   * none (RTN) whatever was asked.
   */
  readonly outlierPercent: number;
}

/** Language models (a single `input_ids` input) calibrate on Brown text, everything else on shapes scenes. */
export function defaultCalibrationSpec(model: OnnxModel): CalibrationSpec {
  const lm = model.graph.inputs.length === 1 && model.graph.inputs[0].name === 'input_ids';
  return parseCalibrationSpec(lm ? 'brown:train' : 'shapes:train');
}

const isInput = (c: QuantizeModelOptions['calibration']): c is CalibrationInput => typeof c === 'object' && 'samples' in c && Array.isArray(c.samples);

export async function quantizeModel(o: QuantizeModelOptions): Promise<QuantizedModel> {
  const { model, calibration: given, modelPath, modelsDir, ...options } = o;
  let calibration: CalibrationInput | undefined;
  let spec: CalibrationSpec | undefined;
  if (usesCalibration(options)) {
    if (isInput(given)) calibration = given;
    else {
      spec = given === undefined ? defaultCalibrationSpec(model) : typeof given === 'string' ? parseCalibrationSpec(given) : given;
      calibration = calibrationFor(model, spec, { modelPath, modelsDir });
    }
  }
  const result = await quantizeGraph(model.graph, { ...options, calibration });
  return {
    ...result,
    calibration: calibration && { spec, samples: calibration.samples.length },
    outlierPercent: result.report.outlierFraction * 100,
  };
}

export interface PerplexityComparison {
  readonly ppl: number;
  readonly pplFp32: number;
  /** Brown test windows both were scored on (evenly spread over the split's plan), of `totalWindows`. */
  readonly windows: number;
  readonly totalWindows: number;
}

/**
 * Perplexity of the quantized and the FP32 language model on the same Brown test windows.
 * `fp32Ppl` skips re-scoring the FP32 model when the caller has it for these windows.
 */
export async function comparePerplexity(fp32: OnnxModel, quantized: QuantizeResult, o: ModelsOptions & { readonly windows: number; readonly fp32Ppl?: number; readonly runtime?: RuntimeOptions }): Promise<PerplexityComparison> {
  const score = (m: OnnxModel) => brownPerplexity(m, { split: 'test', maxWindows: o.windows, modelsDir: o.modelsDir });
  const q = OnnxModel.fromGraph(quantized.graph, o.runtime ?? fp32.options);
  try {
    const r = await score(q);
    return { ppl: r.ppl, pplFp32: o.fp32Ppl ?? (await score(fp32)).ppl, windows: r.windows, totalWindows: r.totalWindows };
  } finally {
    await q.release();
  }
}
