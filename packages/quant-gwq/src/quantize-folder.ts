/**
 * Quantizing a Hugging Face folder (`gradloc quantize --model DIR --out OUT`): the folder's
 * onnx/model.onnx quantized with calibration through the folder's own tokenizer and image
 * processor (calibration-data/folder.ts), written as OUT = a copy of the folder plus
 * onnx/model_quantized.onnx, the file transformers.js loads for `dtype: 'q8'` (and gradloc's
 * loaders keep reading onnx/model.onnx). OUT appears whole or not at all.
 */
import { cpSync, existsSync, renameSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { GradlocError, saveModel, type RuntimeOptions } from '@gradloc/tensor-backend';
import { openTextImageModel } from '@gradloc/models';
import { folderCalibration } from './calibration-data/folder.js';
import { parseCalibrationSpec } from './calibration-data/spec.js';
import { quantizeGraph, usesCalibration, type QuantizeOptions } from './quantize.js';
import type { QuantizedModel } from './quantize-model.js';

export const QUANTIZED_FILE = 'onnx/model_quantized.onnx';

export interface QuantizeFolderOptions extends Omit<QuantizeOptions, 'calibration' | 'calibrated' | 'runtime'> {
  readonly dir: string;
  readonly out: string;
  /** `shapes:SPLIT[:N[:SEED]]` (default shapes:train). */
  readonly calibration?: string;
  readonly runtime?: RuntimeOptions;
}

export async function quantizeHfFolder(o: QuantizeFolderOptions): Promise<QuantizedModel & { readonly dir: string }> {
  const { dir: given, out: outGiven, calibration: specText, runtime, ...options } = o;
  const spec = parseCalibrationSpec(specText ?? 'shapes:train');
  if (spec.corpus !== 'shapes') throw new GradlocError('BAD_INPUT', `a Hugging Face folder calibrates on shapes scenes through its own processor and tokenizer (--calib shapes:...), not ${spec.corpus}`);
  const [dir, out] = [resolve(given), resolve(outGiven)];
  if (out === dir) throw new GradlocError('BAD_INPUT', '--out must be another folder than --model');
  const source = await openTextImageModel(dir, { runtime }, 'model');
  try {
    const calibration = usesCalibration(options) ? await folderCalibration(source, spec.split, spec.samples, spec.seed) : undefined;
    const result = await quantizeGraph(source.model.graph, { ...options, calibration, runtime });
    const writing = join(dirname(out), `.${basename(out)}.writing-${process.pid}`);
    rmSync(writing, { recursive: true, force: true });
    try {
      cpSync(dir, writing, { recursive: true });
      rmSync(join(writing, QUANTIZED_FILE), { force: true });
      saveModel(join(writing, QUANTIZED_FILE), result.graph.toModel());
      if (existsSync(out)) rmSync(out, { recursive: true, force: true });
      renameSync(writing, out);
    } catch (e) {
      rmSync(writing, { recursive: true, force: true });
      throw e;
    }
    return { ...result, dir: out, calibration: calibration && { spec, samples: calibration.samples.length }, outlierPercent: result.report.outlierFraction * 100 };
  } finally {
    await source.model.release();
  }
}
