/**
 * Deletion and insertion (RISE, Petsiuk et al. 2018, "RISE: Randomized Input Sampling for
 * Explanation of Black-box Models"), the causal metrics.
 *
 * Deletion: starting from the image, pixels are replaced by a baseline in saliency order (most
 * salient first, ties by pixel index: see ordering.ts), one chunk per step; a faithful map
 * makes the score fall early, so LOWER deletion AUC is better. Insertion: starting from a
 * substrate with the information removed (RISE: a blurred copy), the original pixels are
 * revealed in the same order; the score should rise early, so HIGHER insertion AUC is better.
 *
 * Choices, each as RISE's reference code unless noted:
 * - a pixel is replaced in all channels at once;
 * - `steps` equal chunks (default 50 rather than RISE's 224 chunks of 224 pixels: the curve is
 *   smooth at that resolution for CAM maps, which are themselves upsampled from coarse grids,
 *   and each step is a forward pass per item); the curve has steps + 1 points, from nothing
 *   to everything perturbed, both ends included;
 * - the deletion baseline defaults to 0 (black for [0, 1] pixels, RISE's `substrate_fn = zeros`),
 *   the insertion start to the blurred image (sigma 5, substrate.ts); both take a value or
 *   'blur';
 * - the score is the target's `score` (a softmax probability for class targets, as RISE) of
 *   the target frozen on the original outputs, each item's copies scored for that item's
 *   target (perturbedScores, select(b)); the copies of one item go through the model in
 *   batches, one perturbedScores call of steps + 1 copies per item;
 * - AUC: the trapezoid rule over the fraction of pixels perturbed, [0, 1]; with `fraction` < 1
 *   (Grad-ECLIP's evaluation stops at half the pixels) the curve covers [0, fraction] in
 *   `steps` chunks and the AUC is divided by `fraction`, so it stays a mean score (a map-
 *   independent constant score s gives AUC s at any fraction).
 * Reported per item and as the mean over the batch.
 */
import { GradlocError } from '@gradloc/tensor-backend';
import { itemImage, perturbedScores } from '../perturb.js';
import { checkMaps, mapOf, prepareMetric, type MetricRequest, type PreparedMetric, type SaliencyMaps } from './common.js';
import { chunkBounds, saliencyOrder, trapezoid } from './ordering.js';
import { DEFAULT_BLUR_SIGMA, substrateImage, type Substrate } from './substrate.js';

/** Default number of chunks (curve points - 1). */
export const DEFAULT_CAUSAL_STEPS = 50;

export interface DeletionInsertionOptions {
  /** Equal chunks of pixels (default 50). */
  readonly steps?: number;
  /** What deleted pixels become (default 0). */
  readonly deletionBaseline?: Substrate;
  /** The image insertion starts from (default 'blur'). */
  readonly insertionBaseline?: Substrate;
  /** Sigma of 'blur' substrates, in pixels (default 5, as RISE). */
  readonly blurSigma?: number;
  /** Share of the pixels perturbed by the curve's end (default 1; Grad-ECLIP: 0.5). */
  readonly fraction?: number;
}

export interface CausalCurve {
  readonly kind: 'deletion' | 'insertion';
  /** Fraction of pixels deleted (inserted) at each point, steps + 1 values from 0 to 1. */
  readonly fractions: Float64Array;
  /** Per item, the frozen target's score at each point. */
  readonly curves: readonly Float64Array[];
  /** Per item, the trapezoid area under its curve over [0, 1]. */
  readonly auc: Float64Array;
  /** Mean AUC over the batch. */
  readonly meanAuc: number;
}

export interface DeletionInsertionResult {
  readonly deletion: CausalCurve;
  readonly insertion: CausalCurve;
}

/** One curve over all items of a prepared request. */
export async function causalCurve(p: PreparedMetric, saliency: SaliencyMaps, kind: 'deletion' | 'insertion', o: DeletionInsertionOptions = {}): Promise<CausalCurve> {
  checkMaps(p, saliency);
  const steps = o.steps ?? DEFAULT_CAUSAL_STEPS;
  const { channels: C, height: H, width: W } = p;
  const n = H * W;
  if (n === 0) throw new GradlocError('BAD_INPUT', 'deletion/insertion need an image with pixels');
  const fraction = o.fraction ?? 1;
  if (!(fraction > 0 && fraction <= 1)) throw new GradlocError('BAD_INPUT', `fraction must be in (0, 1], got ${fraction}`);
  const last = Math.max(1, Math.round(fraction * n));
  const bounds = chunkBounds(last, steps);
  const fractions = Float64Array.from(bounds, (k) => k / n);
  const substrate = kind === 'deletion' ? (o.deletionBaseline ?? 0) : (o.insertionBaseline ?? 'blur');
  const curves: Float64Array[] = [];
  const auc = new Float64Array(p.batch);
  for (let b = 0; b < p.batch; b++) {
    const order = saliencyOrder(mapOf(saliency, b), 'morf');
    const base = substrateImage(substrate, itemImage(p.image, b), C, H, W, o.blurSigma ?? DEFAULT_BLUR_SIGMA);
    // copy i: the start image with the first bounds[i] pixels of the order taken from the finish image
    const curve = await perturbedScores(p.perturb, b, steps + 1, (i, dst, src) => {
      const [start, finish] = kind === 'deletion' ? [src, base] : [base, src];
      dst.set(start);
      for (let k = 0; k < bounds[i]; k++) {
        const px = order[k];
        for (let c = 0; c < C; c++) dst[c * n + px] = finish[c * n + px];
      }
    });
    curves.push(curve);
    auc[b] = trapezoid(fractions, curve) / fractions[fractions.length - 1];
  }
  const meanAuc = p.batch === 0 ? NaN : auc.reduce((a, v) => a + v, 0) / p.batch;
  return { kind, fractions, curves, auc, meanAuc };
}

/** Deletion curve and AUC per item (lower is better). */
export async function deletionCurve(req: MetricRequest, saliency: SaliencyMaps, options: DeletionInsertionOptions = {}): Promise<CausalCurve> {
  return causalCurve(await prepareMetric(req), saliency, 'deletion', options);
}

/** Insertion curve and AUC per item (higher is better). */
export async function insertionCurve(req: MetricRequest, saliency: SaliencyMaps, options: DeletionInsertionOptions = {}): Promise<CausalCurve> {
  return causalCurve(await prepareMetric(req), saliency, 'insertion', options);
}

/** Both curves, sharing one preparation (forward pass and frozen target). */
export async function deletionInsertion(req: MetricRequest, saliency: SaliencyMaps, options: DeletionInsertionOptions = {}): Promise<DeletionInsertionResult> {
  const p = await prepareMetric(req);
  return { deletion: await causalCurve(p, saliency, 'deletion', options), insertion: await causalCurve(p, saliency, 'insertion', options) };
}
