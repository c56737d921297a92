/**
 * Calibration one segment at a time, for models larger than memory allows calibrate() to
 * hold (it keeps every weight, gradient and three statistics per weight at once).
 *
 *   forward:  segment 0 .. S-2, each sample: keep the values crossing each cut (small:
 *             the residual stream of a transformer, [1, T, d] per sample)
 *   backward: segment S-1 .. 0, each sample: one gradient run of the segment whose loss is
 *             sum(o * cotangent(o)) over its outputs (the calibration loss itself in the last
 *             segment) gives its weights' gradients and the cotangents of its inputs
 *   then:     `onSegment` quantizes that segment's weights, and they are dropped.
 *
 * Per sample the gradients are the same as calibrate()'s whole-graph run (the chain rule is
 * split at the cuts, not approximated), so the statistics and the quantized model are the
 * same up to float summation order; only one segment's weights and statistics are in memory.
 */
import { GradlocError, inferTypes, isFloat, OnnxModel, tensor, tensorFromProto, type ExternalDataReader, type Feeds, type Graph, type RuntimeOptions, type Tensor } from '@gradloc/tensor-backend';
import type { ActivationStats, CalibrationInput, WeightStats } from '../calib/calibrate.js';
import { calibrationGraph, hessianOutput, LOSS, rowsOutput, squaresOutput } from '../calib/loss-graphs.js';
import type { WeightSite } from '../graph/weight-sites.js';
import { cotangentInput, SEGMENT_LOSS, segmentGraph, withSeeds, type SegmentModelSource } from './segment-graph.js';
import { partition, type Segment } from './segments.js';

export type WeightStat = keyof WeightStats;

export interface SegmentCalibration {
  readonly weights: ReadonlyMap<string, WeightStats>;
  readonly activations: ReadonlyMap<string, ActivationStats>;
  /** The FP32 weights of the segment's sites (read once, for the quantizer). */
  readonly values: ReadonlyMap<string, Float32Array>;
}

export interface StreamCalibrationOptions extends CalibrationInput {
  readonly hessian?: boolean;
  readonly runtime?: RuntimeOptions;
  /** Reads the canonical graph's external weights. */
  readonly reader: ExternalDataReader;
  /**
   * The weight statistics to sum (default all three). Only these are filled, the others stay
   * empty: summing what the score does not read was a third of a 120M model's calibration
   * time, and with none the gradient runs skip the weights altogether (Hessian scores, GPTQ).
   */
  readonly weightStats?: readonly WeightStat[];
  /** Weights per segment (default partition()'s 16M). */
  readonly minParams?: number;
  /** Runs done of all (forward and backward, per segment and sample). */
  readonly onProgress?: (done: number, total: number) => void;
  /** Called once per segment, last segment first, with its sites' statistics. */
  readonly onSegment: (sites: readonly WeightSite[], cal: SegmentCalibration) => Promise<void> | void;
}

export interface StreamCalibrationResult {
  readonly samples: number;
  readonly lossMean: number;
  readonly ms: number;
  readonly segments: number;
}

function addInto(into: Float64Array, data: ArrayLike<number>): void {
  for (let i = 0; i < into.length; i++) into[i] += data[i];
}

/**
 * Adds one sample's gradient to the statistics that are filled: a loop per statistic, each
 * with one array type (a shared loop over ArrayLike ran at ~3 ns per element, 11 s of a 120M
 * model's calibration).
 */
function sumStats(st: WeightStats, g: Float32Array): void {
  if (st.grad.length) for (let k = 0; k < g.length; k++) st.grad[k] += g[k];
  if (st.absGrad.length) for (let k = 0; k < g.length; k++) st.absGrad[k] += Math.abs(g[k]);
  if (st.sqGrad.length) for (let k = 0; k < g.length; k++) st.sqGrad[k] += g[k] * g[k];
}

function addTensor(into: Tensor | undefined, t: Tensor): Tensor {
  if (!into) return { dtype: t.dtype, dims: [...t.dims], data: (t.data as Float32Array).slice() };
  const a = into.data as Float32Array;
  const b = t.data as Float32Array;
  for (let i = 0; i < a.length; i++) a[i] += b[i];
  return into;
}

function sameDims(samples: readonly Feeds[]): Record<string, number[]> {
  const dims = Object.fromEntries(Object.entries(samples[0]).map(([k, v]) => [k, [...v.dims]]));
  for (const s of samples) {
    for (const [k, v] of Object.entries(s)) {
      if (JSON.stringify(v.dims) !== JSON.stringify(dims[k])) {
        throw new GradlocError('BAD_INPUT', `streamed calibration needs samples of one shape: '${k}' is [${dims[k]}] in the first and [${v.dims}] in another`);
      }
    }
  }
  return dims;
}

export async function calibrateStreamed(canonical: Graph, sites: readonly WeightSite[], opts: StreamCalibrationOptions): Promise<StreamCalibrationResult> {
  const n = opts.samples.length;
  if (n === 0) throw new GradlocError('BAD_INPUT', 'calibration needs at least one sample');
  if (opts.loss.kind !== 'lm') throw new GradlocError('BAD_INPUT', 'streamed calibration supports the language-model loss (models fed only input_ids); distillation needs the whole model in memory');
  const t0 = performance.now();
  const need = new Set(opts.weightStats ?? (['grad', 'absGrad', 'sqGrad'] as const));
  const widths = new Map(sites.map((s) => [s.input, s.K]));
  const graph = calibrationGraph(canonical, { loss: opts.loss, activations: widths, hessian: !!opts.hessian });
  const inferred = inferTypes(graph, sameDims(opts.samples));
  const { types } = inferred;
  const known = (name: string): Tensor | undefined => (inferred.isConstant(name) ? inferred.value(name) : undefined);
  // a value known before running carries no gradient across a cut
  const floaty = (name: string): boolean => {
    const t = types.get(name);
    return !!t && isFloat(t.dtype) && !known(name);
  };
  const segments = partition(graph, { minParams: opts.minParams, isFloat: floaty });
  const whole = segments.length === 1;
  const src: SegmentModelSource = { model: graph.toModel({ keepValueInfo: false }), graph, types, reader: opts.reader, known };
  const outputs = new Set(graph.outputs.map((o) => o.name));
  // the activation statistics are values, not graph outputs: returned by the run that computes them
  const statNames = new Set([...widths.keys()].flatMap((x) => [squaresOutput(x), rowsOutput(x), hessianOutput(x)]));
  const bySegment = (seg: Segment) => sites.filter((s) => seg.initializers.includes(s.weight));
  const total = n * (2 * segments.length - 1);
  let done = 0;
  const tick = () => opts.onProgress?.(++done, total);

  // values crossing cuts, per sample
  const values = new Map<string, Tensor[]>();
  const feedsFor = (g: Graph, i: number, extra: Record<string, Tensor> = {}): Feeds =>
    Object.fromEntries(g.inputs.map((x) => [x.name, extra[x.name] ?? opts.samples[i][x.name] ?? values.get(x.name)?.[i]]));
  for (const seg of segments.slice(0, -1)) {
    const cross = seg.outputs.filter((o) => !outputs.has(o));
    const model = OnnxModel.fromGraph(segmentGraph(src, seg, cross, whole), opts.runtime);
    try {
      for (const o of cross) values.set(o, []);
      for (let i = 0; i < n; i++) {
        const r = await model.run(feedsFor(model.graph, i), cross);
        for (const o of cross) values.get(o)!.push(r[o]);
        tick();
      }
    } finally {
      await model.release();
    }
  }

  const cotangents = new Map<string, (Tensor | undefined)[]>();
  let lossSum = 0;
  for (let s = segments.length - 1; s >= 0; s--) {
    const seg = segments[s];
    const own = bySegment(seg);
    const seeded = seg.outputs.filter((o) => cotangents.has(o));
    const stats = seg.nodes.flatMap((nd) => nd.outputs).filter((o) => statNames.has(o));
    const hasLoss = seg.outputs.includes(LOSS);
    const wrtInputs = seg.inputs.filter(floaty);
    if (own.length === 0 && wrtInputs.length === 0 && stats.length === 0 && !hasLoss) {
      // nothing to learn here (e.g. an embedding lookup before the first product)
      done += n;
      opts.onProgress?.(done, total);
      continue;
    }
    const g = withSeeds(segmentGraph(src, seg, [...seeded, ...stats, ...(hasLoss ? [LOSS] : [])], whole), seeded, hasLoss ? LOSS : undefined, types);
    const W = new Map(own.map((site) => [site.weight, tensorFromProto(g.initializers.get(site.weight)!).data as Float32Array]));
    const sized = (x: WeightSite, stat: WeightStat) => new Float64Array(need.has(stat) ? x.K * x.N : 0);
    const weights = new Map<string, WeightStats>(need.size === 0 ? [] : own.map((x) => [x.weight, { grad: sized(x, 'grad'), absGrad: sized(x, 'absGrad'), sqGrad: sized(x, 'sqGrad') }]));
    const activations = new Map<string, ActivationStats>(
      own.map((x) => [x.input, { squares: new Float64Array(x.K), rows: 0, hessian: opts.hessian ? new Float64Array(x.K * x.K) : undefined }]),
    );
    const model = OnnxModel.fromGraph(g, opts.runtime);
    try {
      for (const x of wrtInputs) if (!cotangents.has(x)) cotangents.set(x, new Array(n).fill(undefined));
      for (let i = 0; i < n; i++) {
        const seeds = Object.fromEntries(seeded.map((o) => [cotangentInput(o), cotangents.get(o)![i] ?? tensor('float32', types.get(o)!.dims)]));
        const r = await model.vjp({ feeds: feedsFor(model.graph, i, seeds), of: SEGMENT_LOSS, wrt: [...weights.keys(), ...wrtInputs], outputs: [...stats, ...(hasLoss ? [LOSS] : [])] });
        if (hasLoss) lossSum += Number(r.outputs[LOSS].data[0]);
        for (const [name, st] of weights) sumStats(st, r.grads[name].data as Float32Array);
        for (const [x, st] of activations) {
          addInto(st.squares, r.outputs[squaresOutput(x)].data as Float32Array);
          st.rows += Number(r.outputs[rowsOutput(x)].data[0]);
          if (st.hessian) addInto(st.hessian, r.outputs[hessianOutput(x)].data as Float32Array);
        }
        for (const x of wrtInputs) cotangents.get(x)![i] = addTensor(cotangents.get(x)![i], r.grads[x]);
        tick();
      }
    } finally {
      await model.release();
    }
    for (const o of seg.outputs) {
      cotangents.delete(o);
      values.delete(o);
    }
    await opts.onSegment(own, { weights, activations, values: W });
  }
  return { samples: n, lossMean: lossSum / n, ms: performance.now() - t0, segments: segments.length };
}
