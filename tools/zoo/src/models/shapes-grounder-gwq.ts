/**
 * `shapes-grounder-gwq4`: the shipped shapes-grounder quantized with GWQ (@gradloc/quant-gwq):
 * 4-bit groups of 64 in com.microsoft MatMulNBits, the 1% most gradient-sensitive input
 * channels of each matrix kept in FP16, the token embeddings in 4-bit groups too, calibrated by distillation on 32 train scenes x 42 queries. This
 * is the model the dashboard's grounding endpoint serves by default. "Training" it is the
 * quantization run; the card records the FP32 model's metrics on the same scenes beside its own.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { Graph, loadModel, saveModel } from '@gradloc/tensor-backend';
import { evaluateModel, evaluateModelFile, modelDir, readCard, writeCard, type Metrics, type Recipe, type TrainOptions, type TrainReport } from '@gradloc/models';
import { quantizeGraph, shapesCalibration } from '@gradloc/quant-gwq';
import { registerModel } from '../zoo/registry.js';
import { machineDescription, runtimeFor } from '../zoo/run-info.js';

const NAME = 'shapes-grounder-gwq4';
const SOURCE = 'shapes-grounder';

export const GROUNDER_GWQ_RECIPE = {
  method: 'gwq',
  bits: 4,
  // 64 divides every width of the grounder (64, 128, 512): MatMulNBits pads K up to a
  // multiple of the group, so 128 would store the text tower's 64-wide matrices twice over
  group: 64,
  outliers: 0.01,
  outlierUnit: 'channel',
  embeddings: true,
  // the shipped model was made in the packed form (MatMulNBits), before int8 became
  // quant-gwq's default; kept so a rebuild gives the shipped file
  format: 'packed',
  calibration: { split: 'train', samples: 32, seed: 0 },
} as const;

async function train(opts: TrainOptions): Promise<TrainReport> {
  const t0 = performance.now();
  const r = GROUNDER_GWQ_RECIPE;
  const log = (line: string): void => opts.onLog?.(line);
  const sourceDir = modelDir(SOURCE, opts);
  const source = Graph.fromModel(loadModel(join(sourceDir, 'model.onnx')));
  const calibration = shapesCalibration(source.inputs, source.outputs, r.calibration.split, r.calibration.samples, opts.seed ?? r.calibration.seed);
  log(`GWQ ${r.bits}-bit g${r.group}, ${r.outliers * 100}% FP16 outlier ${r.outlierUnit}s, ${calibration.samples.length} calibration scenes`);
  const { graph, report } = await quantizeGraph(source, {
    method: r.method,
    bits: r.bits,
    group: r.group,
    outliers: r.outliers,
    outlierUnit: r.outlierUnit,
    embeddings: r.embeddings,
    format: r.format,
    calibration,
    runtime: runtimeFor(opts.threads),
    onProgress: (stage, done, total) => {
      if (done === total) log(`${stage}: ${total}/${total}`);
    },
  });
  mkdirSync(opts.outDir, { recursive: true });
  saveModel(join(opts.outDir, 'model.onnx'), graph.toModel());
  const src = readCard(sourceDir);
  const scoring = { samples: opts.evalSamples ?? src.evaluation.samples, threads: opts.threads };
  log(`scoring the quantized and the FP32 model on the same ${scoring.samples} test scenes`);
  // the quantized model has the source's interface, so the source's card describes it
  const metrics: Metrics = await evaluateModelFile(join(opts.outDir, 'model.onnx'), src, scoring);
  const baseline: Metrics = await evaluateModel(sourceDir, scoring);
  const wallTimeSec = Math.round((performance.now() - t0) / 100) / 10;
  writeCard(opts.outDir, {
    ...src,
    name: NAME,
    task: `${src.task}; weights quantized with GWQ`,
    architecture: `${src.architecture}. Every MatMul weight quantized: ${r.bits}-bit asymmetric groups of ${r.group} along the input dimension (com.microsoft MatMulNBits), plus the ${r.outliers * 100}% most gradient-sensitive input channels of each matrix in FP16 as a dense correction (Gather + MatMul + Add); embedding tables (${report.embeddings.map((e) => `${e.weight} [${e.V}, ${e.D}]`).join(', ') || 'none'}) in the same ${r.bits}-bit groups, read by com.microsoft.GatherBlockQuantized`,
    training: {
      command: `npx gradloc train ${NAME}`,
      seed: opts.seed ?? r.calibration.seed,
      steps: 0,
      batch: 1,
      optimizer: 'none: post-training quantization of the shipped shapes-grounder',
      schedule: 'none',
      data: `calibration: ${calibration.samples.length} ${r.calibration.split}-split scenes x 42 colour-shape queries; loss = distillation against the FP32 model's own outputs (query logits as sigmoids with the FP32 decisions as targets, boxes as a Gaussian regression)`,
      wallTimeSec,
      machine: machineDescription(opts.threads),
    },
    quantization: {
      source: SOURCE,
      method: r.method,
      bits: r.bits,
      group: r.group,
      outlier_unit: r.outlierUnit,
      outlier_fraction: report.outlierFraction,
      quantized_embeddings: report.embeddings.length,
      bits_per_weight: Math.round(report.bitsPerWeight * 1000) / 1000,
      quantized_weights: report.weights,
      matrices: report.matrices.length,
      calib_ms: Math.round(report.calibMs),
      quant_ms: Math.round(report.quantMs),
    },
    metrics,
    baseline: { model: SOURCE, metrics: baseline },
    evaluation: { ...src.evaluation, command: `npx gradloc zoo eval ${NAME}` },
  });
  log(`test ap50 ${metrics.ap50} (FP32 ${baseline.ap50}), ${report.bitsPerWeight.toFixed(3)} bits/weight`);
  return { metrics, wallTimeSec, steps: 0 };
}

export const shapesGrounderGwq: Recipe = {
  name: NAME,
  summary: 'shapes-grounder with GWQ 4-bit weights (MatMulNBits + FP16 outlier channels), served by the dashboard',
  train,
};

registerModel(shapesGrounderGwq);
