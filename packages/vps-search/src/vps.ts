/**
 * Visual Precision Search (Chen et al., CVPR 2025) for one detection: divide the image into
 * sub-regions, greedily order them by F(S) = l1 * s_ins(S) + l2 * (1 - s_del(S)) (plain or
 * lazy greedy), turn the order into an attribution map, and read the faithfulness curves off
 * the search itself (no extra forward passes when every region is selected with both terms).
 */
import { type PlanarImage } from '@gradloc/tensor-backend';
import type { DetectionTarget, Detector } from './detector/types.js';
import { regionMap, regionValues } from './attribution.js';
import { faithfulness, orderCurves, searchCurves, type Curves, type Faithfulness } from './metrics.js';
import { gridRegions } from './regions/grid.js';
import { slic } from './regions/slic.js';
import type { Regions } from './regions/types.js';
import { baselineImage, type BaselineKind } from './search/compose.js';
import { SetEvaluator, type Objective } from './search/evaluator.js';
import { greedySearch } from './search/greedy.js';
import { lazyGreedySearch } from './search/lazy.js';
import { coarseToFineSearch } from './search/coarse-to-fine.js';
import type { SearchControl, SearchResult } from './search/types.js';

export const DEFAULT_REGIONS = 64;

export const SEARCHES = ['greedy', 'lazy', 'coarse-to-fine'] as const;
export type SearchKind = (typeof SEARCHES)[number];

export interface VpsOptions extends Objective, SearchControl {
  readonly detector: Detector;
  /** The image at the detector's size, planar [3, H, W] in [0, 1]. */
  readonly image: PlanarImage;
  readonly target: DetectionTarget;
  /** A division, or how many regions to divide into (default 64). */
  readonly regions?: Regions | number;
  /** 'slic' (SLICO superpixels, default) or a plain 'grid'. */
  readonly division?: 'slic' | 'grid';
  /** What hidden pixels become (default 'black'). */
  readonly baseline?: BaselineKind;
  /**
   * The search: 'greedy' (plain greedy, the paper's), 'lazy' (CELF) or 'coarse-to-fine'
   * (greedy over groups of neighbouring regions, then inside each group; see
   * search/coarse-to-fine.ts). Default 'greedy'.
   */
  readonly search?: SearchKind;
  /** Regions per group of the coarse-to-fine search (default 4). */
  readonly groupSize?: number;
  /** Lazy (CELF) greedy instead of plain greedy (the same as search: 'lazy'). */
  readonly lazy?: boolean;
  /** Images per model run (default 32). */
  readonly batchSize?: number;
}

export interface VpsResult {
  /** Attribution [H * W] in [0, 1]: earlier-selected regions weigh more. */
  readonly map: Float32Array;
  readonly regions: Regions;
  readonly search: SearchResult;
  readonly curves: Curves;
  readonly metrics: Faithfulness & { readonly forwardPasses: number; readonly ms: number };
}

/** The division `o.regions` asks for, on the image. */
export function divide(image: PlanarImage, regions: Regions | number = DEFAULT_REGIONS, division: 'slic' | 'grid' = 'slic'): Regions {
  if (typeof regions !== 'number') return regions;
  return division === 'grid' ? gridRegions(image.height, image.width, regions) : slic(image.data, image.height, image.width, { regions });
}

export async function searchDetection(o: VpsOptions): Promise<VpsResult> {
  const t0 = performance.now();
  const regions = divide(o.image, o.regions, o.division);
  const ev = new SetEvaluator(o.detector, o.image, baselineImage(o.image, o.baseline ?? 'black'), regions, o.target, o, o.batchSize ?? 32);
  const kind = o.search ?? (o.lazy ? 'lazy' : 'greedy');
  const search = await (kind === 'coarse-to-fine' ? coarseToFineSearch(ev, o) : kind === 'lazy' ? lazyGreedySearch(ev, o) : greedySearch(ev, o));
  const values = regionValues(search, regions.count);
  // a search that measured both curves along its own order costs nothing more here
  const curves = searchCurves(regions, search) ?? (await orderCurves(ev, orderOfValues(values)));
  return { map: regionMap(regions, values), regions, search, curves, metrics: { ...faithfulness(curves), forwardPasses: ev.forwardPasses, ms: performance.now() - t0 } };
}

/** Regions by descending value (the search order, with unselected regions last by id). */
function orderOfValues(values: Float64Array): number[] {
  return [...values.keys()].sort((a, b) => values[b] - values[a] || a - b);
}
