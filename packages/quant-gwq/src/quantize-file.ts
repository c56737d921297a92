/**
 * Quantizing a model file larger than memory (`gradloc quantize` on a model with external
 * data, e.g. `gradloc make-gpt --params 500M`): weights are read from the data file only when
 * needed. Calibration runs segment by segment (stream/calibrate-stream.ts) and each segment's
 * matrices are quantized as soon as its gradients are in, so the process holds the FP32
 * weights and statistics of one segment, the quantized matrices so far and onnxruntime's
 * copy of one segment's weights. Without calibration (rtn, magnitude, random) each matrix is
 * read, quantized and dropped in turn.
 *
 * The result equals quantizeModel's on the same model up to float summation order (a test
 * compares them); models calibrated by distillation (no `lm` loss) load whole and take the
 * in-memory path.
 */
import { dirname } from 'node:path';
import { ExternalDataReader, Graph, loadModel, OnnxModel, tensorFromProto, type RuntimeOptions } from '@gradloc/tensor-backend';
import type { ModelsOptions } from '@gradloc/models';
import type { CalibrationInput } from './calib/calibrate.js';
import { calibrationFor, parseCalibrationSpec, type CalibrationSpec } from './calibration-data/index.js';
import { canonicalWeights, type WeightSite } from './graph/weight-sites.js';
import { defaultCalibrationSpec, type QuantizedModel } from './quantize-model.js';
import { quantizedWidths, quantizeGraph, quantizeRunEmbeddings, quantizeSite, quantRun, runReport, usesCalibration, yieldToLoop, type QuantizeOptions, type SiteResult } from './quantize.js';
import { calibrateStreamed, type WeightStat } from './stream/calibrate-stream.js';

export interface QuantizeFileOptions extends Omit<QuantizeOptions, 'calibration' | 'calibrated' | 'runtime'>, ModelsOptions {
  /** The model file; its external data is read from its folder. */
  readonly path: string;
  /** As quantizeModel's: a spec, ready-made samples, or default by the model's inputs. */
  readonly calibration?: string | CalibrationSpec | CalibrationInput;
  readonly runtime?: RuntimeOptions;
  /** Weights per calibration segment (default 16M: smaller models calibrate whole). */
  readonly segmentParams?: number;
}

export interface StreamedQuantizedModel extends QuantizedModel {
  /** Segments calibration ran in (0 without calibration). */
  readonly segments: number;
}

/** The one weight statistic the score reads (GWQ's sensitivity), none for the other methods. */
function weightStatsFor(o: Pick<QuantizeOptions, 'method' | 'sensitivity'>): WeightStat[] {
  if (o.method !== 'gwq') return [];
  const s = o.sensitivity ?? 'gradient';
  return [s === 'gradient' ? 'grad' : s === 'abs-sum' ? 'absGrad' : 'sqGrad'];
}

const isInput = (c: QuantizeFileOptions['calibration']): c is CalibrationInput => typeof c === 'object' && 'samples' in c && Array.isArray(c.samples);

export async function quantizeModelFile(o: QuantizeFileOptions): Promise<StreamedQuantizedModel> {
  const { path, calibration: given, modelsDir, segmentParams, ...options } = o;
  const { fraction } = quantRun(options);
  const proto = loadModel(path, { loadExternalData: false });
  const reader = new ExternalDataReader(dirname(path));
  try {
    let calibration: CalibrationInput | undefined;
    let spec: CalibrationSpec | undefined;
    if (usesCalibration({ ...options, outliers: fraction })) {
      if (isInput(given)) calibration = given;
      else {
        // the model as calibrationFor reads it (inputs, metadata): weights stay unread
        const described = OnnxModel.fromProto(proto, options.runtime);
        spec = given === undefined ? defaultCalibrationSpec(described) : typeof given === 'string' ? parseCalibrationSpec(given) : given;
        calibration = calibrationFor(described, spec, { modelPath: path, modelsDir });
      }
      if (calibration.loss.kind !== 'lm') {
        for (const t of proto.graph!.initializer) reader.load(t);
        const whole = await quantizeGraph(Graph.fromModel(proto), { ...options, calibration });
        return { ...whole, calibration: { spec, samples: calibration.samples.length }, outlierPercent: whole.report.outlierFraction * 100, segments: 1 };
      }
    }
    const { graph, sites } = canonicalWeights(Graph.fromModel(proto), options.filter, reader);
    const run = quantRun(options, quantizedWidths(graph, sites, options.filter));
    const index = new Map(sites.map((s, i) => [s.weight, i]));
    const results = new Map<string, SiteResult>();
    let quantMs = 0;
    const quantize = async (own: readonly WeightSite[], values: (s: WeightSite) => Float32Array, cal?: Parameters<typeof quantizeSite>[5]) => {
      for (const site of own) {
        const t0 = performance.now();
        results.set(site.weight, quantizeSite(graph, site, index.get(site.weight)!, values(site), run, cal));
        quantMs += performance.now() - t0;
        options.onProgress?.('quantize', results.size, sites.length);
        await yieldToLoop();
      }
    };
    let cal: { samples: number; ms: number; segments: number } = { samples: 0, ms: 0, segments: 0 };
    if (calibration) {
      const r = await calibrateStreamed(graph, sites, {
        ...calibration,
        hessian: !!options.gptq,
        weightStats: weightStatsFor(options),
        runtime: options.runtime,
        reader,
        minParams: segmentParams,
        onProgress: (d, t) => options.onProgress?.('calibrate', d, t),
        onSegment: (own, c) => quantize(own, (s) => c.values.get(s.weight)!, c),
      });
      cal = { samples: r.samples, ms: r.ms - quantMs, segments: r.segments };
    } else {
      await quantize(sites, (s) => tensorFromProto(reader.materialized(graph.initializers.get(s.weight)!)).data as Float32Array);
    }
    const t0 = performance.now();
    // what stays FP32 (norms, biases, position and token tables) is read into the output
    for (const t of graph.initializers.values()) reader.load(t);
    const embeddings = quantizeRunEmbeddings(graph, run);
    quantMs += performance.now() - t0;
    const report = runReport(run, sites, results, calibration ? cal : undefined, quantMs, embeddings);
    return { graph, report, calibration: calibration && { spec, samples: calibration.samples.length }, outlierPercent: report.outlierFraction * 100, segments: cal.segments };
  } finally {
    reader.close();
  }
}
