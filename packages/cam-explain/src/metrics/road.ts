/**
 * ROAD, RemOve And Debias (Rong et al. 2022, "A Consistent and Efficient Evaluation Strategy
 * for Attribution Methods"): the fraction p of pixels a map ranks highest (MoRF, most relevant
 * first) or lowest (LeRF, least relevant first) is removed and filled by the noisy linear
 * imputer (imputer.ts), and the model scores the result. Unlike a constant fill, the imputed
 * region carries little information about the removal mask's shape, so the score measures the
 * removed content rather than the mask ("class information leakage" in the paper).
 * A faithful map gives LOW MoRF scores (removing what it ranks first hurts) and HIGH LeRF scores
 * (removing what it ranks last does not).
 *
 * Choices:
 * - percentages default to 10, 20, ..., 90 (the paper's and pytorch-grad-cam's ROADCombined
 *   grid); p must lie in [0, 100) since removing every pixel leaves nothing to impute from;
 * - p% of the H x W pixels is round(p / 100 * H * W) pixels, taken in saliency order with ties
 *   broken by pixel index (ordering.ts; LeRF is its own ascending order, not the reverse of
 *   MoRF's, so tied pixels go in index order in both);
 * - all channels of a removed pixel are imputed;
 * - the score is the frozen target's `score` (a probability for class targets) rather than the
 *   paper's top-1 accuracy over a dataset or pytorch-grad-cam's score difference, so it is
 *   defined per item and comparable with deletion/insertion; the summaries are the mean MoRF and
 *   the mean LeRF score over percentages (and items), ROAD's two curves reduced to one number
 *   each (pytorch-grad-cam's ROADCombined reports (LeRF - MoRF) / 2 of these);
 * - noise: std 0.01 (the paper's default, model-input units), item b's imputations draw from
 *   rng(seed + b), MoRF percentages in order then LeRF, so an item's result does not depend on
 *   the rest of the batch;
 * - the 2 x percentages imputed copies of an item go through the model in one perturbedScores
 *   call.
 */
import { GradlocError, rng } from '@gradloc/tensor-backend';
import { itemImage, perturbedScores } from '../perturb.js';
import { checkMaps, mapOf, prepareMetric, type MetricRequest, type PreparedMetric, type SaliencyMaps } from './common.js';
import { DEFAULT_ROAD_NOISE, noisyLinearImpute } from './imputer.js';
import { saliencyOrder } from './ordering.js';
import { mean } from '../stats.js';

export const DEFAULT_ROAD_PERCENTAGES: readonly number[] = [10, 20, 30, 40, 50, 60, 70, 80, 90];

export interface RoadOptions {
  /** Percentages of pixels removed (default 10, 20, ..., 90). */
  readonly percentages?: readonly number[];
  /** Imputation noise std (default 0.01). */
  readonly noise?: number;
  /** Noise seed (default 0); item b uses seed + b. */
  readonly seed?: number;
  /** Relative residual of the imputation solve (default 1e-10). */
  readonly tolerance?: number;
}

export interface RoadResult {
  readonly percentages: readonly number[];
  /** Per item, the score after removing each percentage, most relevant first. */
  readonly morf: readonly Float64Array[];
  /** Per item, the score after removing each percentage, least relevant first. */
  readonly lerf: readonly Float64Array[];
  /** Mean over items, per percentage. */
  readonly morfCurve: Float64Array;
  readonly lerfCurve: Float64Array;
  /** Mean over items and percentages: lower is better. */
  readonly morfMean: number;
  /** Mean over items and percentages: higher is better. */
  readonly lerfMean: number;
}

/** The removal mask [H * W] (1 = removed) of the first `count` pixels of an order. */
export function removalMask(order: ArrayLike<number>, count: number, pixels: number): Uint8Array {
  const mask = new Uint8Array(pixels);
  for (let k = 0; k < count; k++) mask[order[k]] = 1;
  return mask;
}

export async function roadOn(p: PreparedMetric, saliency: SaliencyMaps, o: RoadOptions = {}): Promise<RoadResult> {
  checkMaps(p, saliency);
  const percentages = [...(o.percentages ?? DEFAULT_ROAD_PERCENTAGES)];
  for (const pc of percentages) {
    if (!(pc >= 0 && pc < 100)) throw new GradlocError('BAD_INPUT', `ROAD percentages must lie in [0, 100), got ${pc}`);
  }
  const { channels: C, height: H, width: W } = p;
  const N = H * W;
  const P = percentages.length;
  const morf: Float64Array[] = [];
  const lerf: Float64Array[] = [];
  for (let b = 0; b < p.batch; b++) {
    const image = itemImage(p.image, b);
    const rand = rng((o.seed ?? 0) + b);
    const copies: Float32Array[] = [];
    for (const direction of ['morf', 'lerf'] as const) {
      const order = saliencyOrder(mapOf(saliency, b), direction);
      for (const pc of percentages) {
        const mask = removalMask(order, Math.round((pc / 100) * N), N);
        copies.push(noisyLinearImpute(image, C, H, W, mask, { noise: o.noise ?? DEFAULT_ROAD_NOISE, rand, tolerance: o.tolerance }));
      }
    }
    const scores = await perturbedScores(p.perturb, b, 2 * P, (i, dst) => dst.set(copies[i]));
    morf.push(scores.slice(0, P));
    lerf.push(scores.slice(P));
  }
  const curve = (rows: Float64Array[]): Float64Array => Float64Array.from({ length: P }, (_, j) => mean(rows.map((r) => r[j])));
  const morfCurve = curve(morf);
  const lerfCurve = curve(lerf);
  return { percentages, morf, lerf, morfCurve, lerfCurve, morfMean: mean(morfCurve), lerfMean: mean(lerfCurve) };
}

/** ROAD MoRF and LeRF scores per item and percentage, and their means. */
export async function road(req: MetricRequest, saliency: SaliencyMaps, options: RoadOptions = {}): Promise<RoadResult> {
  return roadOn(await prepareMetric(req), saliency, options);
}
