/**
 * Average drop and increase in confidence (Chattopadhay et al. 2018, "Grad-CAM++"): the
 * explanation map is used as a soft mask, the image multiplied by it pixel by pixel (every
 * channel of a pixel by the same map value), and the target's score on the masked image O is
 * compared with the score on the image Y:
 *     average drop % = 100 / N * sum_i max(0, Y_i - O_i) / Y_i          (lower is better)
 *     increase in confidence % = 100 / N * #{i : O_i > Y_i}             (higher is better)
 * A map that keeps what the model uses loses little score when everything else is dimmed.
 *
 * Choices:
 * - Y and O are the frozen target's `score` (a softmax probability for class targets, the
 *   paper's "confidence"); Y comes from the same forward pass that freezes the target;
 * - the masked batch goes through the model in one forward pass (all items at once, each
 *   item scored for its own frozen target): no copies are needed;
 * - the mask is the map itself, in [0, 1] as every CamMethod returns it (not re-normalised:
 *   the metric judges the map as given); masking is done in the model input's units, so for
 *   mean/std-normalised inputs 0 is the mean colour, not black;
 * - the relative drop needs Y > 0 (true for probabilities); items with Y <= 0 get a NaN drop
 *   and are left out of the average (reported in `dropSkipped`), but still count for the
 *   increase, which needs no division; equality O = Y is not an increase.
 */
import { tensor } from '@gradloc/tensor-backend';
import { withOutputs } from '../capture.js';
import { checkMaps, finiteMean, mapOf, prepareMetric, type MetricRequest, type PreparedMetric, type SaliencyMaps } from './common.js';

export interface ConfidenceResult {
  /** Y: the score on each original image. */
  readonly original: Float64Array;
  /** O: the score on each masked image. */
  readonly masked: Float64Array;
  /** Per item, 100 * max(0, Y - O) / Y (NaN when Y <= 0). */
  readonly drop: Float64Array;
  /** Per item, O > Y. */
  readonly increased: readonly boolean[];
  /** Mean of the finite drops, in percent (lower is better). */
  readonly averageDrop: number;
  /** Percentage of items with O > Y (higher is better). */
  readonly increaseInConfidence: number;
  /** Items left out of the average drop (Y <= 0). */
  readonly dropSkipped: number;
}

export async function confidenceOn(p: PreparedMetric, saliency: SaliencyMaps): Promise<ConfidenceResult> {
  checkMaps(p, saliency);
  const { channels: C, height: H, width: W, image } = p;
  const n = H * W;
  const masked = new Float32Array(image.data.length);
  for (let b = 0; b < p.batch; b++) {
    const m = mapOf(saliency, b);
    for (let c = 0; c < C; c++) {
      const base = (b * C + c) * n;
      for (let q = 0; q < n; q++) masked[base + q] = (image.data as Float32Array)[base + q] * m[q];
    }
  }
  const { model, feeds } = p.request;
  const maskedFeeds = { ...feeds, [p.input]: tensor('float32', image.dims, masked) };
  const names = [...new Set([p.frozen.output, ...(p.frozen.reads ?? [])])];
  const outputs = await withOutputs(model, names, maskedFeeds).run(maskedFeeds, names);
  const O = p.frozen.score(outputs);
  const Y = p.scores;
  const drop = Float64Array.from(Y, (y, i) => (y > 0 ? (100 * Math.max(0, y - O[i])) / y : NaN));
  const increased = Array.from(Y, (y, i) => O[i] > y);
  return {
    original: Y,
    masked: O,
    drop,
    increased,
    averageDrop: finiteMean(drop),
    increaseInConfidence: p.batch === 0 ? NaN : (100 * increased.filter(Boolean).length) / p.batch,
    dropSkipped: drop.filter((d) => Number.isNaN(d)).length,
  };
}

/** Average drop % and increase in confidence % of maps used as soft masks. */
export async function averageDropIncrease(req: MetricRequest, saliency: SaliencyMaps): Promise<ConfidenceResult> {
  return confidenceOn(await prepareMetric(req), saliency);
}
