/**
 * metricsReport: the faithfulness metrics of one explanation (a CamResult) as a plain
 * JSON-able object, what `gradloc cam --metrics` prints. Keys are snake_case and STABLE
 * (scripts parse them); each value is the mean over the batch:
 *
 *   insertion_auc            insertion AUC over [0, 1] of the frozen target's score (higher is better)
 *   deletion_auc             deletion AUC, same units (lower is better)
 *   average_drop             Grad-CAM++ average drop, percent 0..100 (lower is better)
 *   increase_in_confidence   Grad-CAM++ increase in confidence, percent of items 0..100 (higher is better)
 *   pointing_game            pointing-game accuracy, fraction 0..1 of the items with boxes;
 *                            present only when boxes are given
 *   road_morf                ROAD mean MoRF score (lower is better); only with `road`
 *   road_lerf                ROAD mean LeRF score (higher is better); only with `road`
 *
 * Scores are the target's `score` (softmax probabilities for class targets). A value that is
 * undefined for the batch (e.g. average drop when every Y <= 0) is null, since JSON has no NaN.
 * Absent keys mean "not computed", never "zero". ROAD is opt-in because each of its imputations
 * (18 per item with the default percentages) solves a sparse system per channel. The defaults are those of the
 * individual metrics (deletion-insertion.ts, road.ts, pointing-game.ts); all metrics share one
 * forward pass that freezes the target.
 */
import { prepareMetric, type MetricRequest, type SaliencyMaps } from './common.js';
import { confidenceOn } from './confidence.js';
import { causalCurve, type DeletionInsertionOptions } from './deletion-insertion.js';
import { pointingGame, type PixelBox } from './pointing-game.js';
import { roadOn, type RoadOptions } from './road.js';

export interface MetricsReportOptions extends DeletionInsertionOptions {
  /** Ground-truth boxes per item, for the pointing game. */
  readonly boxes?: readonly (readonly PixelBox[])[];
  /** Pointing-game tolerance in pixels (default 15). */
  readonly tolerance?: number;
  /** Also run ROAD (slower); an object sets its options. */
  readonly road?: boolean | RoadOptions;
}

export interface MetricsReport {
  readonly insertion_auc: number | null;
  readonly deletion_auc: number | null;
  readonly average_drop: number | null;
  readonly increase_in_confidence: number | null;
  readonly pointing_game?: number | null;
  readonly road_morf?: number | null;
  readonly road_lerf?: number | null;
}

const json = (v: number): number | null => (Number.isFinite(v) ? v : null);

/** Deletion/insertion AUC, average drop/increase, and when asked the pointing game and ROAD, for one CamResult. */
export async function metricsReport(req: MetricRequest, result: SaliencyMaps, options: MetricsReportOptions = {}): Promise<MetricsReport> {
  // the pointing game first: it is cheap and validates the boxes before the forward passes
  const pointing = options.boxes ? pointingGame(result, options.boxes, { tolerance: options.tolerance }) : undefined;
  const p = await prepareMetric(req);
  const insertion = await causalCurve(p, result, 'insertion', options);
  const deletion = await causalCurve(p, result, 'deletion', options);
  const confidence = await confidenceOn(p, result);
  const report: { -readonly [K in keyof MetricsReport]: MetricsReport[K] } = {
    insertion_auc: json(insertion.meanAuc),
    deletion_auc: json(deletion.meanAuc),
    average_drop: json(confidence.averageDrop),
    increase_in_confidence: json(confidence.increaseInConfidence),
  };
  if (pointing) report.pointing_game = json(pointing.accuracy);
  if (options.road) {
    const r = await roadOn(p, result, options.road === true ? {} : options.road);
    report.road_morf = json(r.morfMean);
    report.road_lerf = json(r.lerfMean);
  }
  return report;
}
