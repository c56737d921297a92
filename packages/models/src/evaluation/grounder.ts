/**
 * Held-out scoring of a grounder: AP@0.5 on queries that name present objects, and how high
 * the scores of absent queries get. Training (on the model it is about to ship) and
 * `evaluateModel` (`gradloc zoo eval`) run the same code on the same scenes, so the card's
 * numbers come back.
 *
 * Per scene and query q: scores = sigmoid(logits[0, :, q]); the TOP_CANDIDATES best patches
 * go through NMS at IoU 0.5 and at most KEEP_DETECTIONS survive as detections.
 * - ap50: for each query, averagePrecision over the scenes where it names a present object
 *   (ground truth: the boxes of every matching object; detections: those scenes' only), then
 *   the mean over queries that are present somewhere.
 * - absent scores: for each (scene, query naming no object in it), the max score over patches;
 *   absent_max_score is their mean, and p95 / max are reported alongside.
 */
import { cxcywhToXyxy, nms, type Box, type Feeds, type Tensor } from '@gradloc/tensor-backend';
import type { Metrics } from '../card.js';
import { generateSplitBatch, groundingQueries, type PhraseForm, type ShapesOptions, type ShapesSplit } from '../data/shapes/index.js';
import { averagePrecision, type Detection } from '../metrics/average-precision.js';
import { GROUNDER_QUERIES, queryIds, queryIndex } from '../preprocessing/grounder-queries.js';
import type { RunForward } from './run-forward.js';

/** Runs the grounder on [B, 3, S, S] pixels in [0, 1] and [Q, L] ids. */
export type GrounderForward = (pixels: Tensor<'float32'>, ids: Tensor<'int64'>) => Promise<{ readonly logits: Tensor; readonly boxes: Tensor }>;

/** A GrounderForward over any model with the grounder's inputs and outputs (a shipped model, or a trainer's current weights). */
export const grounderForward =
  (run: RunForward): GrounderForward =>
  async (pixels, ids) => {
    const feeds: Feeds = { pixel_values: pixels, input_ids: ids };
    const out = await run(feeds, ['logits', 'pred_boxes']);
    return { logits: out.logits, boxes: out.pred_boxes };
  };

export const NMS_IOU = 0.5;
/** Candidates per (scene, query) before NMS: scenes hold at most 4 objects, so 32 is plenty. */
const TOP_CANDIDATES = 32;
const KEEP_DETECTIONS = 10;
/** Scenes per forward run (memory only: results do not depend on it). */
const EVAL_BATCH = 50;

export interface GrounderScores {
  readonly ap50: number;
  /** Mean over (scene, absent query) of the max patch score. */
  readonly absentMean: number;
  readonly absentP95: number;
  readonly absentMax: number;
  /** Mean over (scene, present query) of the max patch score, for contrast. */
  readonly presentMean: number;
}

export interface GrounderEvalOptions {
  readonly split: ShapesSplit;
  readonly samples: number;
  readonly maxLen: number;
  /** Phrase form of the queries (default 'indefinite': "a red circle"). */
  readonly form?: PhraseForm;
  /** Scene options (default: the split's default scenes; GROUNDER_OOD_SCENES for the out-of-distribution split). */
  readonly scenes?: ShapesOptions;
}

/**
 * The out-of-distribution split of the grounders (the test split's seeds, other scenes): plain
 * backgrounds (flat greys up to 0.8, or muted colours) and large objects, one or two.
 */
export const GROUNDER_OOD_SCENES: ShapesOptions = { backgrounds: ['plain'], minObjects: 1, maxObjects: 2, minObjectSize: 40, maxObjectSize: 72 };

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** Nearest-rank percentile of an ascending array. */
const percentile = (sorted: readonly number[], p: number): number => sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(p * sorted.length) - 1))] ?? Number.NaN;

export async function evaluateGrounder(forward: GrounderForward, opts: GrounderEvalOptions): Promise<GrounderScores> {
  const Q = GROUNDER_QUERIES.length;
  const ids = queryIds(opts.form ?? 'indefinite', opts.maxLen);
  const detections: Detection[][] = GROUNDER_QUERIES.map(() => []);
  const truth: Map<number, Box[]>[] = GROUNDER_QUERIES.map(() => new Map());
  const absent: number[] = [];
  let presentSum = 0;
  let presentCount = 0;
  for (let start = 0; start < opts.samples; start += EVAL_BATCH) {
    const batch = generateSplitBatch(opts.split, start, Math.min(EVAL_BATCH, opts.samples - start), opts.scenes);
    const { logits, boxes } = await forward(batch.images, ids);
    const P = logits.dims[1];
    const lg = logits.data as Float32Array;
    const bx = boxes.data as Float32Array;
    batch.scenes.forEach((scene, b) => {
      const image = start + b;
      // boxes of this scene in pixels, the unit of the ground truth
      const pixelBoxes: Box[] = Array.from({ length: P }, (_, p) => {
        const o = (b * P + p) * 4;
        return cxcywhToXyxy(bx[o] * scene.width, bx[o + 1] * scene.height, bx[o + 2] * scene.width, bx[o + 3] * scene.height);
      });
      const present = new Map(groundingQueries(scene).positives.map((g) => [queryIndex(g.colour, g.shape), g.boxes]));
      for (let q = 0; q < Q; q++) {
        const scores = Float64Array.from({ length: P }, (_, p) => sigmoid(lg[(b * P + p) * Q + q]));
        const gt = present.get(q);
        if (!gt) {
          absent.push(Math.max(...scores));
          continue;
        }
        presentSum += Math.max(...scores);
        presentCount++;
        truth[q].set(image, [...gt]);
        const candidates = [...scores.keys()].sort((i, j) => scores[j] - scores[i]).slice(0, TOP_CANDIDATES);
        const kept = nms(candidates.map((p) => pixelBoxes[p]), candidates.map((p) => scores[p]), NMS_IOU).slice(0, KEEP_DETECTIONS);
        for (const k of kept) detections[q].push({ image, box: pixelBoxes[candidates[k]], score: scores[candidates[k]] });
      }
    });
  }
  const aps = GROUNDER_QUERIES.flatMap((_, q) => (truth[q].size > 0 ? [averagePrecision(detections[q], truth[q], NMS_IOU)] : []));
  const sortedAbsent = [...absent].sort((x, y) => x - y);
  const mean = (xs: readonly number[]): number => xs.reduce((a, x) => a + x, 0) / xs.length;
  return {
    ap50: mean(aps),
    absentMean: mean(absent),
    absentP95: percentile(sortedAbsent, 0.95),
    absentMax: sortedAbsent[sortedAbsent.length - 1] ?? Number.NaN,
    presentMean: presentCount > 0 ? presentSum / presentCount : Number.NaN,
  };
}

/** Grounder cards give their numbers to 4 decimals. */
export const roundCardMetric = (x: number): number => Math.round(x * 1e4) / 1e4;

/**
 * The card's metrics of a grounder's scores (rounded, so the card and `zoo eval` print the same
 * digits); with the out-of-distribution split's scores, its ap50 as `ap50_ood`.
 */
export const grounderCardMetrics = (s: GrounderScores, ood?: GrounderScores): Metrics => ({
  ap50: roundCardMetric(s.ap50),
  absent_max_score: roundCardMetric(s.absentMean),
  ...(ood ? { ap50_ood: roundCardMetric(ood.ap50) } : {}),
});
