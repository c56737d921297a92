/**
 * Calibration: one gradient run per sample over the calibration graph (loss-graphs.ts)
 * collects, for every quantized weight, the sum of its gradients, of their absolute values
 * and of their squares (the three GWQ scores), and for every activation feeding a product,
 * the sum of x^2 per input feature (the Hessian-diagonal baseline) and optionally X^T X (GPTQ).
 * Weights stay initializers: the engine differentiates with respect to them without making
 * them inputs, so onnxruntime keeps its prepacked fast paths.
 */
import { GradlocError, OnnxModel, type Feeds, type RuntimeOptions, type Tensor } from '@gradloc/tensor-backend';
import type { Graph } from '@gradloc/tensor-backend';
import type { WeightSite } from '../graph/weight-sites.js';
import { calibrationGraph, hessianOutput, LOSS, rowsOutput, seedInput, squaresOutput, type CalibrationLoss } from './loss-graphs.js';
import { probeSeed } from './probes.js';

export interface CalibrationInput {
  readonly loss: CalibrationLoss;
  /** One feed set per calibration sample (for 'lm', with the shifted `targets`). */
  readonly samples: readonly Feeds[];
}

export interface CalibrationOptions extends CalibrationInput {
  /** Also accumulate X^T X per activation (GPTQ). */
  readonly hessian?: boolean;
  readonly runtime?: RuntimeOptions;
  readonly onProgress?: (done: number, total: number) => void;
}

export interface WeightStats {
  /** Sum over samples of d loss / d w (row-major [K, N]). */
  readonly grad: Float64Array;
  /** Sum over samples of |d loss / d w|. */
  readonly absGrad: Float64Array;
  /** Sum over samples of (d loss / d w)^2 (empirical Fisher diagonal). */
  readonly sqGrad: Float64Array;
}

export interface ActivationStats {
  /** Sum over rows of x_k^2. */
  readonly squares: Float64Array;
  /** Rows seen (tokens, patches, ...). */
  rows: number;
  /** Sum over rows of x x^T, row-major [K, K] (only with `hessian`). */
  readonly hessian?: Float64Array;
}

export interface Calibration {
  readonly weights: ReadonlyMap<string, WeightStats>;
  readonly activations: ReadonlyMap<string, ActivationStats>;
  readonly samples: number;
  readonly lossMean: number;
  readonly ms: number;
}

function accumulate(into: Float64Array, data: ArrayLike<number>): void {
  for (let i = 0; i < into.length; i++) into[i] += data[i];
}

/** The seeds of the distillation loss for one sample: one teacher run, then probeSeed per output. */
async function distillSeeds(teacher: OnnxModel, feeds: Feeds, outputs: Readonly<Record<string, 'softmax' | 'sigmoid' | 'gaussian'>>, seed: number): Promise<Record<string, Tensor>> {
  const names = Object.keys(outputs);
  const z = await teacher.run(feeds, names);
  return Object.fromEntries(names.map((n, i) => [seedInput(n), probeSeed(z[n], outputs[n], seed * 7919 + i)]));
}

export async function calibrate(canonical: Graph, sites: readonly WeightSite[], opts: CalibrationOptions): Promise<Calibration> {
  if (opts.samples.length === 0) throw new GradlocError('BAD_INPUT', 'calibration needs at least one sample');
  const t0 = performance.now();
  const widths = new Map(sites.map((s) => [s.input, s.K]));
  const model = OnnxModel.fromGraph(calibrationGraph(canonical, { loss: opts.loss, activations: widths, hessian: !!opts.hessian }), opts.runtime);
  const teacher = opts.loss.kind === 'distill' ? OnnxModel.fromGraph(canonical, opts.runtime) : undefined;
  const weights = new Map<string, WeightStats>(sites.map((s) => [s.weight, { grad: new Float64Array(s.K * s.N), absGrad: new Float64Array(s.K * s.N), sqGrad: new Float64Array(s.K * s.N) }]));
  const activations = new Map<string, ActivationStats>(
    [...widths].map(([x, K]) => [x, { squares: new Float64Array(K), rows: 0, hessian: opts.hessian ? new Float64Array(K * K) : undefined }]),
  );
  const statOutputs = [...widths.keys()].flatMap((x) => [squaresOutput(x), rowsOutput(x), ...(opts.hessian ? [hessianOutput(x)] : [])]);
  let lossSum = 0;
  try {
    for (let s = 0; s < opts.samples.length; s++) {
      let feeds = opts.samples[s];
      if (teacher && opts.loss.kind === 'distill') feeds = { ...feeds, ...(await distillSeeds(teacher, feeds, opts.loss.outputs, (opts.loss.seed ?? 0) + s)) };
      const r = await model.vjp({ feeds, of: LOSS, wrt: sites.map((x) => x.weight), outputs: [LOSS, ...statOutputs] });
      lossSum += Number(r.outputs[LOSS].data[0]);
      for (const [name, st] of weights) {
        const g = r.grads[name].data as Float32Array;
        for (let i = 0; i < g.length; i++) {
          const v = g[i];
          st.grad[i] += v;
          st.absGrad[i] += Math.abs(v);
          st.sqGrad[i] += v * v;
        }
      }
      for (const [x, st] of activations) {
        accumulate(st.squares, r.outputs[squaresOutput(x)].data as Float32Array);
        st.rows += Number(r.outputs[rowsOutput(x)].data[0]);
        if (st.hessian) accumulate(st.hessian, r.outputs[hessianOutput(x)].data as Float32Array);
      }
      opts.onProgress?.(s + 1, opts.samples.length);
    }
  } finally {
    await model.release();
    await teacher?.release();
  }
  return { weights, activations, samples: opts.samples.length, lossMean: lossSum / opts.samples.length, ms: performance.now() - t0 };
}
