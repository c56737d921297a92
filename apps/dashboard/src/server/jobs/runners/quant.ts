/**
 * quant.run as a job: quantize a registered language model through quant-gwq's quantizeModel
 * (the entry point `gradloc quantize` uses too), then score the FP32 and the quantized model
 * on the same Brown test windows (comparePerplexity). The quantized ONNX file is kept for
 * download; the result row is one line of the Quantize page's table and one point of its chart.
 */
import { encodeModel, OnnxModel } from '@gradloc/tensor-backend';
import { comparePerplexity, quantizeModel } from '@gradloc/quant-gwq';
import type { QuantInput } from '../../schemas.js';
import { span, type JobContext } from '../context.js';

/** FP32 perplexities by model and window count: the same for every job of a worker. */
const baselines = new Map<string, number>();

export async function runQuant(input: QuantInput, ctx: JobContext) {
  const { services } = ctx;
  const entry = services.registry.get(input.model, 'language-model');
  ctx.report(0, 'loading the model');
  const model = OnnxModel.load(entry.file, services.runtime);
  try {
    const quantized = await quantizeModel({
      model,
      modelPath: entry.file,
      method: input.method,
      bits: input.bits,
      group: input.group,
      outliers: input.outliers / 100,
      gptq: input.gptq,
      // the packed form: the page compares configurations by perplexity against their bits per
      // weight, which the default int8 form (a byte a weight for every configuration) would hide
      format: 'packed',
      calibration: `brown:train:${input.calibSamples}`,
      runtime: services.runtime,
      onProgress: (stage, done, total) =>
        stage === 'calibrate' ? ctx.report(span(0.02, 0.5, done, total), `calibration ${done}/${total}`) : ctx.report(span(0.5, 0.8, done, total), `quantizing matrix ${done}/${total}`),
    });
    const { report } = quantized;
    const key = `${entry.name}:${input.evalWindows}`;
    ctx.report(0.8, `perplexity of the quantized${baselines.has(key) ? '' : ' and the FP32'} model on ${input.evalWindows} test windows`);
    const scored = await comparePerplexity(model, quantized, { windows: input.evalWindows, fp32Ppl: baselines.get(key), runtime: services.runtime });
    baselines.set(key, scored.pplFp32);
    ctx.report(0.98, 'saving the quantized model');
    const bytes = encodeModel(quantized.graph.toModel());
    return {
      model: entry.name,
      method: input.method,
      bits: report.bits,
      group: report.group,
      gptq: input.gptq,
      /** Outliers actually kept (0 for RTN, whatever was asked). */
      outlierPercent: quantized.outlierPercent,
      bitsPerWeight: report.bitsPerWeight,
      sizeBytes: bytes.length,
      fp32SizeBytes: model.bytes.length,
      ppl: scored.ppl,
      pplFp32: scored.pplFp32,
      evalWindows: scored.windows,
      /** The test split's window count: the model card's perplexity is over all of them. */
      evalWindowsTotal: scored.totalWindows,
      pplFp32Card: entry.card?.metrics.ppl ?? null,
      calibSamples: quantized.calibration?.samples ?? 0,
      calibMs: Math.round(report.calibMs),
      quantMs: Math.round(report.quantMs),
      matrices: report.matrices.length,
      /** The quantized model, for download. */
      modelUrl: await ctx.saveFile(`${entry.name}-${input.method}-${report.bits}bit.onnx`, bytes),
    };
  } finally {
    await model.release();
  }
}

export type QuantResult = Awaited<ReturnType<typeof runQuant>>;
