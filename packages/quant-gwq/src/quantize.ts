/**
 * quantizeGraph: the whole pipeline on one ONNX graph.
 *   canonical weights (graph/weight-sites.ts)
 *   -> calibration runs when the method or GPTQ needs them (calib/calibrate.ts)
 *   -> per matrix: outlier mask (quant/methods.ts), dense part by RTN or GPTQ
 *   -> each MatMul replaced by its low-bit form plus the sparse FP16 correction (export/).
 * The report counts every stored bit (codes, scales, zero points, outlier values and indices).
 */
import { GradlocError, tensorFromProto, type Graph, type RuntimeOptions } from '@gradloc/tensor-backend';
import { calibrate, type Calibration, type CalibrationInput } from './calib/calibrate.js';
import { canonicalWeights, passesFilter, type SiteFilter, type WeightSite } from './graph/weight-sites.js';
import { embeddingsSupported, embeddingWidths, quantizeEmbeddings, type EmbeddingReport } from './export/embedding.js';
import { replaceMatMul, resolveFormat, storageOf, type ExportFormat } from './export/replace.js';
import { quantizeGptq } from './quant/gptq.js';
import { needsCalibration, outlierMask, type Method, type OutlierUnit, type Sensitivity } from './quant/methods.js';
import { quantizeRtn } from './quant/rtn.js';
import { defaultGroup, quantSpec, type QuantSpec } from './quant/spec.js';

export interface QuantizeOptions {
  readonly method: Method;
  /** 2, 3, 4 or 8 (default 4). */
  readonly bits?: number;
  /** Group size along the input dimension (default: defaultGroup of the model's widths, 128 on widths that are multiples of 128). */
  readonly group?: number;
  /** Fraction of each matrix kept in FP16 (default 0.01; 'rtn' keeps none). */
  readonly outliers?: number;
  /**
   * Outliers as whole input channels (default: one small dense product per matrix, fast in
   * onnxruntime) or single weights (the GWQ paper's element-wise choice; a scatter, several
   * times slower). See OutlierUnit.
   */
  readonly outlierUnit?: OutlierUnit;
  /** GWQ's score (default 'gradient' = |sum of calibration gradients|). */
  readonly sensitivity?: Sensitivity;
  /** GPTQ error compensation of the dense part (needs calibration activations). */
  readonly gptq?: boolean;
  /** Required by gwq, hessian and gptq. */
  readonly calibration?: CalibrationInput;
  /**
   * Statistics of an earlier `calibrate` run on this model (with `hessian` if GPTQ is
   * wanted), so a sweep over methods and bit widths calibrates once.
   */
  readonly calibrated?: Calibration;
  readonly filter?: SiteFilter;
  /**
   * Embedding tables (Gather on a float32 [V, D] initializer) stored as RTN codes of the same
   * bits and group, gathered by GatherBlockQuantized (default: when it takes the bits and
   * group, i.e. 2/4/8 bits and power-of-two groups; export/embedding.ts).
   * Tables whose width is not a multiple of the group, or that other nodes read, stay FP32.
   */
  readonly embeddings?: boolean;
  /** How each matrix is written (export/replace.ts): default 'auto', int8 for codes of up to 4 bits. */
  readonly format?: ExportFormat;
  /** MatMulNBits accuracy_level (default 0: float compute; 4 quantizes activations to int8 per block); given, the default format is 'packed'. */
  readonly accuracyLevel?: number;
  /** Seeds the random method. */
  readonly seed?: number;
  readonly runtime?: RuntimeOptions;
  readonly onProgress?: (stage: 'calibrate' | 'quantize', done: number, total: number) => void;
}

export interface MatrixReport {
  readonly weight: string;
  readonly K: number;
  readonly N: number;
  readonly outliers: number;
  readonly format: string;
  readonly bitsPerWeight: number;
}

export interface QuantizeReport {
  readonly method: Method;
  readonly bits: number;
  readonly group: number;
  readonly gptq: boolean;
  readonly sensitivity: Sensitivity | null;
  /** Stored bits of all quantized matrices / their weight count. */
  readonly bitsPerWeight: number;
  /** Weights quantized (sum of K * N). */
  readonly weights: number;
  /** Outliers kept / weights quantized. */
  readonly outlierFraction: number;
  readonly calibSamples: number;
  readonly calibMs: number;
  readonly quantMs: number;
  readonly matrices: readonly MatrixReport[];
  /** Embedding tables stored quantized (not counted in bitsPerWeight, which covers the matrices). */
  readonly embeddings: readonly EmbeddingReport[];
}

export interface QuantizeResult {
  readonly graph: Graph;
  readonly report: QuantizeReport;
}

/**
 * Whether quantizeGraph with these options runs calibration samples: GWQ and Hessian scores
 * with outliers to pick, or GPTQ. Callers load calibration data only then.
 */
export function usesCalibration(o: Pick<QuantizeOptions, 'method' | 'outliers' | 'gptq'>): boolean {
  return (needsCalibration(o.method) && (o.outliers ?? DEFAULT_OUTLIERS) > 0) || !!o.gptq;
}

const DEFAULT_OUTLIERS = 0.01;
const DEFAULT_OUTLIER_UNIT: OutlierUnit = 'channel';

/** What every matrix of one quantization run shares: the spec, the outlier fraction and the options. */
export interface QuantRun {
  readonly spec: QuantSpec;
  /** Outlier fraction actually kept (0 for rtn). */
  readonly fraction: number;
  readonly opts: QuantizeOptions;
}

/**
 * Checks the options and resolves the defaults; `widths` (quantizedWidths) pick the default
 * group. Called without them, before a model is read, it only checks.
 */
export function quantRun(opts: QuantizeOptions, widths: readonly number[] = []): QuantRun {
  const spec = quantSpec(opts.bits ?? 4, opts.group ?? defaultGroup(widths));
  const requested = opts.outliers ?? DEFAULT_OUTLIERS;
  if (!(requested >= 0 && requested < 1)) throw new GradlocError('BAD_INPUT', `outliers must be a fraction in [0, 1) (got ${opts.outliers})`);
  return { spec, fraction: opts.method === 'rtn' ? 0 : requested, opts };
}

/** One matrix quantized and its MatMul replaced in `graph`; `index` seeds the random method. */
export interface SiteResult {
  readonly matrix: MatrixReport;
  readonly totalBits: number;
}

export function quantizeSite(graph: Graph, site: WeightSite, index: number, W: Float32Array, run: QuantRun, cal?: Pick<Calibration, 'weights' | 'activations'>): SiteResult {
  const { opts, spec, fraction } = run;
  const mask = outlierMask({
    method: opts.method,
    sensitivity: opts.sensitivity ?? 'gradient',
    W,
    K: site.K,
    N: site.N,
    fraction,
    unit: opts.outlierUnit ?? DEFAULT_OUTLIER_UNIT,
    seed: (opts.seed ?? 0) + index,
    grads: cal?.weights.get(site.weight),
    activation: cal?.activations.get(site.input),
  });
  const H = cal?.activations.get(site.input)?.hessian;
  const q = opts.gptq ? quantizeGptq(W, site.K, site.N, spec, H!, mask) : quantizeRtn(W, site.K, site.N, spec, mask);
  // an accuracy_level is MatMulNBits' setting: asking for one asks for the packed form
  const format = resolveFormat(q, opts.format ?? (opts.accuracyLevel ? 'packed' : 'auto'), graph.opset(''));
  const storage = storageOf(q, format);
  replaceMatMul(graph, site.node, q, { format, accuracyLevel: opts.accuracyLevel });
  return { matrix: { weight: site.weight, K: site.K, N: site.N, outliers: q.outliers.k.length, format, bitsPerWeight: storage.bitsPerWeight }, totalBits: storage.totalBits };
}

/** The widths the group runs along: every matrix's K and every embedding table's row width. */
export function quantizedWidths(graph: Graph, sites: readonly WeightSite[], filter?: SiteFilter): number[] {
  return [...sites.map((s) => s.K), ...embeddingWidths(graph, (name, size) => passesFilter(filter, name, size))];
}

/** The embedding tables of `graph` quantized as the options ask (after the matrices). */
export function quantizeRunEmbeddings(graph: Graph, run: QuantRun): EmbeddingReport[] {
  // by default only where GatherBlockQuantized can hold the codes; asked for explicitly, its error says why not
  const embed = run.opts.embeddings ?? embeddingsSupported(run.spec);
  return embed ? quantizeEmbeddings(graph, run.spec, (name, size) => passesFilter(run.opts.filter, name, size)) : [];
}

/** The report of a run from its matrices (in any order: listed in `sites` order). */
export function runReport(run: QuantRun, sites: readonly WeightSite[], results: ReadonlyMap<string, SiteResult>, cal: Pick<Calibration, 'samples' | 'ms'> | undefined, quantMs: number, embeddings: readonly EmbeddingReport[]): QuantizeReport {
  const matrices = sites.map((s) => results.get(s.weight)!.matrix);
  const weights = matrices.reduce((a, m) => a + m.K * m.N, 0);
  const totalBits = [...results.values()].reduce((a, r) => a + r.totalBits, 0);
  const outliers = matrices.reduce((a, m) => a + m.outliers, 0);
  const { opts, spec } = run;
  return {
    method: opts.method,
    bits: spec.bits,
    group: spec.group,
    gptq: !!opts.gptq,
    sensitivity: opts.method === 'gwq' ? (opts.sensitivity ?? 'gradient') : null,
    bitsPerWeight: totalBits / weights,
    weights,
    outlierFraction: outliers / weights,
    calibSamples: cal?.samples ?? 0,
    calibMs: cal?.ms ?? 0,
    quantMs,
    matrices,
    embeddings,
  };
}

/** Yields to the event loop: each matrix is synchronous work (GPTQ: seconds), so a server or worker running this keeps answering and progress reaches its listeners. */
export const yieldToLoop = (): Promise<void> => new Promise<void>((resolve) => setImmediate(resolve));

export async function quantizeGraph(source: Graph, opts: QuantizeOptions): Promise<QuantizeResult> {
  quantRun(opts);
  const { graph, sites } = canonicalWeights(source, opts.filter);
  const run = quantRun(opts, quantizedWidths(graph, sites, opts.filter));
  const calibrating = usesCalibration({ ...opts, outliers: run.fraction });
  let cal: Calibration | undefined = calibrating ? opts.calibrated : undefined;
  if (cal && opts.gptq && [...cal.activations.values()].some((a) => !a.hessian)) {
    throw new GradlocError('BAD_INPUT', 'GPTQ needs a calibration run with hessian: true');
  }
  if (calibrating && !cal) {
    if (!opts.calibration) throw new GradlocError('BAD_INPUT', `method '${opts.method}'${opts.gptq ? ' with GPTQ' : ''} needs calibration samples`);
    cal = await calibrate(graph, sites, { ...opts.calibration, hessian: !!opts.gptq, runtime: opts.runtime, onProgress: (d, t) => opts.onProgress?.('calibrate', d, t) });
  }
  const t0 = performance.now();
  const results = new Map<string, SiteResult>();
  for (const [i, site] of sites.entries()) {
    const W = tensorFromProto(graph.initializers.get(site.weight)!).data as Float32Array;
    results.set(site.weight, quantizeSite(graph, site, i, W, run, cal));
    opts.onProgress?.('quantize', i + 1, sites.length);
    await yieldToLoop();
  }
  const embeddings = quantizeRunEmbeddings(graph, run);
  return { graph, report: runReport(run, sites, results, cal, performance.now() - t0, embeddings) };
}
