/**
 * Diverse VPS explanations from a picture (`gradloc vps --diverse K`, the dashboard's "diverse
 * explanations"): the same target as explainDetection (the given box or the model's best for
 * the query), k region sets sampled by a GFlowNet (diverse/diverse.ts), each with its scores,
 * its map at the picture's size and its overlay.
 */
import type { MapPlane, RgbImage } from '@gradloc/tensor-backend';
import { diverseSearch, type DiverseOptions, type GreedyComparison } from '../diverse/diverse.js';
import type { PixelBox } from './ground.js';
import { MISS_THRESHOLD, pictureMap, prepareTarget, type ExplainDetectionOptions } from './explain-detection.js';

export interface ExplainDiverseOptions
  extends Omit<DiverseOptions, 'image' | 'target'>,
    Pick<ExplainDetectionOptions, 'image' | 'query' | 'box' | 'limits' | 'overlay'> {}

export interface DiverseMap {
  /** F(S) = l1 s_ins + l2 (1 - s_del) of the set, and its two terms. */
  readonly value: number;
  readonly insertion: number;
  readonly deletion: number;
  /** The set's regions in the order they were added. */
  readonly regions: readonly number[];
  readonly map: MapPlane & { readonly data: Float32Array };
  readonly overlay: RgbImage;
}

export interface DiverseExplanations {
  readonly query: string;
  readonly box: PixelBox;
  readonly score: number;
  readonly missed: boolean;
  /** Best first. */
  readonly explanations: readonly DiverseMap[];
  /** Mean pairwise Jaccard distance between the sets. */
  readonly diversity: number;
  readonly size: number;
  readonly regions: number;
  readonly forwardPasses: number;
  readonly ms: number;
  readonly greedy?: GreedyComparison;
}

export async function explainDiverse(o: ExplainDiverseOptions): Promise<DiverseExplanations> {
  const t = await prepareTarget(o);
  const r = await diverseSearch({ ...o, image: t.image, target: { query: o.query, box: t.box } });
  return {
    query: o.query,
    box: t.pixels,
    score: t.score,
    missed: t.score < MISS_THRESHOLD,
    explanations: r.explanations.map((e) => ({ value: e.value, insertion: e.insertion, deletion: e.deletion, regions: e.order, ...pictureMap(t, e.map, o.overlay) })),
    diversity: r.diversity,
    size: r.size,
    regions: r.regions.count,
    forwardPasses: r.forwardPasses,
    ms: r.ms,
    greedy: r.greedy,
  };
}
