/**
 * quant.run as a job: quantize a registered language model (GWQ, RTN, ... from
 * @gradloc/quant-gwq), then score the FP32 and the quantized model on the same Brown test
 * windows. The result row is one line of the Quantize page's table and one point of its chart.
 */
import { OnnxModel } from '@gradloc/tensor-backend';
import { brownPerplexity } from '@gradloc/models';
import { calibrationFor, parseCalibrationSpec, quantizeGraph, usesCalibration } from '@gradloc/quant-gwq';
import type { QuantInput } from '../../schemas.js';
import { span, type JobContext } from '../context.js';

/** FP32 perplexities by model and window count: the same for every job of a worker. */
const baselines = new Map<string, number>();

async function perplexity(model: OnnxModel, windows: number): Promise<number> {
  return (await brownPerplexity(model, { split: 'test', maxWindows: windows })).ppl;
}

export async function runQuant(input: QuantInput, ctx: JobContext) {
  const { services } = ctx;
  const entry = services.registry.get(input.model, 'language-model');
  ctx.report(0, 'loading the model');
  const model = OnnxModel.load(entry.file, services.runtime);
  try {
    const outliers = input.outliers / 100;
    const calibration = usesCalibration({ method: input.method, outliers, gptq: input.gptq })
      ? calibrationFor(model, parseCalibrationSpec(`brown:train:${input.calibSamples}`), { modelPath: entry.file }) : undefined;
    const { graph, report } = await quantizeGraph(model.graph, {
      method: input.method,
      bits: input.bits,
      group: input.group,
      outliers,
      gptq: input.gptq,
      calibration,
      runtime: services.runtime,
      onProgress: (stage, done, total) =>
        stage === 'calibrate' ? ctx.report(span(0.02, 0.5, done, total), `calibration ${done}/${total}`) : ctx.report(span(0.5, 0.8, done, total), `quantizing matrix ${done}/${total}`),
    });
    const key = `${entry.name}:${input.evalWindows}`;
    if (!baselines.has(key)) {
      ctx.report(0.8, `FP32 perplexity on ${input.evalWindows} test windows`);
      baselines.set(key, await perplexity(model, input.evalWindows));
    }
    ctx.report(0.88, `perplexity on ${input.evalWindows} test windows`);
    const quantized = OnnxModel.fromGraph(graph, services.runtime);
    try {
      const ppl = await perplexity(quantized, input.evalWindows);
      return {
        model: entry.name,
        method: input.method,
        bits: report.bits,
        group: report.group,
        gptq: input.gptq,
        outlierPercent: input.outliers,
        bitsPerWeight: report.bitsPerWeight,
        sizeBytes: quantized.bytes.length,
        fp32SizeBytes: model.bytes.length,
        ppl,
        pplFp32: baselines.get(key) as number,
        evalWindows: input.evalWindows,
        calibSamples: calibration ? input.calibSamples : 0,
        calibMs: Math.round(report.calibMs),
        quantMs: Math.round(report.quantMs),
        matrices: report.matrices.length,
      };
    } finally {
      await quantized.release();
    }
  } finally {
    await model.release();
  }
}

export type QuantResult = Awaited<ReturnType<typeof runQuant>>;
