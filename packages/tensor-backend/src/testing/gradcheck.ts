/**
 * Gradient checking against central finite differences: the analytic VJP with a random
 * seed s is compared with d<s, f(x)>/dx estimated by (f(x+h e_j) - f(x-h e_j)) / 2h.
 */
import { promoteInitializers } from '../ir/promote.js';
import { OnnxModel, type Feeds } from '../runtime/model.js';
import { rng } from '../tensor/random.js';
import { tensor, sizeOf, type Tensor } from '../tensor/tensor.js';

// The PRNG lives in tensor/random.ts (one PRNG for weights, feeds and checks); re-exported for existing callers.
export { rng } from '../tensor/random.js';

export interface GradCheckOptions {
  readonly of: string;
  /** Graph inputs or initializers. */
  readonly wrt: readonly string[];
  /** Step (default 1e-6 for float64, 1e-2 for float32). */
  readonly h?: number;
  /** Check at most this many elements per tensor (evenly spread, default 64). */
  readonly maxElements?: number;
  /** Seed for the random projection (default 1). */
  readonly seed?: number;
}

export interface GradCheckEntry {
  readonly wrt: string;
  readonly index: number;
  readonly analytic: number;
  readonly numeric: number;
}

export interface GradCheckReport {
  /** max |analytic - numeric| over the checked elements */
  readonly maxAbsError: number;
  /** max |analytic - numeric| / max(1, |numeric|) */
  readonly maxScaledError: number;
  /** largest |numeric| seen, for scale */
  readonly maxNumeric: number;
  readonly entries: readonly GradCheckEntry[];
}

function cloneTensor(t: Tensor): Tensor {
  return { dtype: t.dtype, dims: [...t.dims], data: t.data.slice() };
}

export async function gradCheck(model: OnnxModel, feeds: Feeds, opts: GradCheckOptions): Promise<GradCheckReport> {
  const inits = opts.wrt.filter((w) => model.graph.initializers.has(w));
  const probe = OnnxModel.fromGraph(promoteInitializers(model.graph, inits));
  const allFeeds: Record<string, Tensor> = { ...feeds };
  for (const w of inits) allFeeds[w] = model.initializer(w);

  // Analytic: VJP with a random seed through the model as given (weights as initializers).
  const fwd = await probe.run(allFeeds, [opts.of]);
  const outT = fwd[opts.of];
  const rand = rng(opts.seed ?? 1);
  const seed = tensor(outT.dtype, outT.dims);
  for (let i = 0; i < seed.data.length; i++) (seed.data as Float64Array)[i] = rand() * 2 - 1;
  const { grads } = await model.vjp({ feeds, of: { output: opts.of, seed }, wrt: opts.wrt, outputs: [opts.of] });

  const project = (t: Tensor): number => {
    let s = 0;
    for (let i = 0; i < t.data.length; i++) s += Number(t.data[i]) * Number(seed.data[i]);
    return s;
  };
  const entries: GradCheckEntry[] = [];
  let maxAbs = 0;
  let maxScaled = 0;
  let maxNum = 0;
  for (const w of opts.wrt) {
    const base = allFeeds[w];
    const h = opts.h ?? (base.dtype === 'float64' ? 1e-6 : 1e-2);
    const n = sizeOf(base.dims);
    const limit = Math.min(n, opts.maxElements ?? 64);
    for (let k = 0; k < limit; k++) {
      const j = limit === n ? k : Math.floor((k * n) / limit);
      const plus = cloneTensor(base);
      const minus = cloneTensor(base);
      (plus.data as Float64Array)[j] += h;
      (minus.data as Float64Array)[j] -= h;
      const fp = project((await probe.run({ ...allFeeds, [w]: plus }, [opts.of]))[opts.of]);
      const fm = project((await probe.run({ ...allFeeds, [w]: minus }, [opts.of]))[opts.of]);
      // the actual step after rounding to the storage type
      const step = Number(plus.data[j]) - Number(minus.data[j]);
      const numeric = (fp - fm) / step;
      const analytic = Number(grads[w].data[j]);
      const err = Math.abs(analytic - numeric);
      maxAbs = Math.max(maxAbs, err);
      maxScaled = Math.max(maxScaled, err / Math.max(1, Math.abs(numeric)));
      maxNum = Math.max(maxNum, Math.abs(numeric));
      entries.push({ wrt: w, index: j, analytic, numeric });
    }
  }
  await probe.release();
  return { maxAbsError: maxAbs, maxScaledError: maxScaled, maxNumeric: maxNum, entries };
}
