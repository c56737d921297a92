/**
 * CF-CAM, Cluster Filter CAM (He, Pan & Yao 2025), as its authors' code computes it
 * (github.com/jerryp-hfut/CF-CAM, `cfcam.py`, class CFCAM). Per batch item, with A_k the
 * activation map and G_k the gradient map of channel k (cf-cam-channels.ts):
 *
 * 1. Channels whose activation L2 norm is at or above the 75th percentile of the norms
 *    (numpy's linear interpolation) keep their own gradient: raw weight = spatial mean of G_k.
 * 2. The other m channels are clustered by DBSCAN (Euclidean, scikit-learn's conventions) on
 *    their flattened ACTIVATION maps; eps = the 25th percentile of the off-diagonal entries of
 *    their distance matrix (each pair counted twice, as the authors' matrix has it; floor
 *    1e-5), min_samples = max(2, floor(0.05 m)). Noise channels are dropped.
 * 3. Each cluster's representative is the mean of its members' GRADIENT maps, smoothed by the
 *    authors' filter (cf-cam-filter.ts `cfcamFilter`: one whole-map kernel, spatial sigma 5,
 *    range sigma 0.1); every member's raw weight is the spatial mean of that smoothed map.
 * 4. Weights = softmax of the raw weights over the kept (high-norm + clustered) channels;
 *    CAM = ReLU(sum_k w_k A_k), upsampled and divided by its max (not min-max). With several
 *    layers, as in base-cam.ts, the mean of those maps divided by its max.
 *
 * `cluster: 'gradients'` clusters the low-norm channels by their GRADIENT maps instead. Both
 * exist because they answer different questions and gradloc shipped the second first: the
 * authors group channels that respond alike (activations) and then average the gradients
 * within each group; clustering the gradients groups channels that receive the same signal
 * from the target, a direct reading of the paper's "cluster-conditioned gradient filtering".
 * gradloc's maps before this change used 'gradients' (with `filter: 'gaussian', sigma: 1`,
 * which reproduces them up to eps's pair counting); compared with cfcam.py on models the
 * project never saw they correlated at r = 0.987, hence the authors' reading is the default.
 *
 * Where the authors' definition degenerates: the softmax runs over raw gradient means, which
 * on most layers are tiny (1e-4 to 1e-3 on shapes-vit), so the weights are all but equal and
 * the map is close to the plain mean of the kept activation maps. On a CNN after a ReLU that
 * mean is >= 0 and the map survives; on a transformer's LayerNorm'd token layer the channel
 * mean is about the same negative number at every token, ReLU leaves nothing, and cfcam.py
 * returns an all-zero map (it divides only by a positive max). A blank map for a model that is
 * 99% sure of its class is not an explanation, so by default (`fallback: 'signed'`) an item
 * whose layer map comes out <= 0 everywhere is recomputed with the same kept channels and their
 * signed raw weights, no softmax (what the paper's Grad-CAM-style weighting reads as:
 * Grad-CAM with cluster-filtered gradients), and `CamResult.warnings` says so; every other item
 * stays exactly the authors' map. `fallback: 'none'` keeps the authors' zero map (still with
 * a warning that says why).
 */
import { gradientsOf, layerZeroFacts, WeightedCAM, weightedMaps, type CamOptions, type LayerContext } from '../base-cam.js';
import { mapSize, type SpatialMap } from '../../spatial.js';
import { fmt, rangeOf } from '../warnings.js';
import { cfcamChannels, type CfCamChannelOptions, type CfCamChannels } from './cf-cam-channels.js';

export type { CfCamCluster, CfCamFilter } from './cf-cam-channels.js';

/** What to do with an item whose softmax-weighted map is <= 0 everywhere (see the file comment). */
export type CfCamFallback = 'signed' | 'none';

export interface CfCamOptions extends CamOptions, CfCamChannelOptions {
  /**
   * 'softmax' (default, the authors'): softmax of the raw weights over the kept channels;
   * 'signed': the raw weights themselves for every item (no softmax), e.g. to get one kind
   * of map for all items of a transformer whose softmax maps keep falling back.
   */
  readonly weighting?: 'softmax' | 'signed';
  /** With softmax weighting, default 'signed': recompute a zero map with the signed raw weights; 'none': keep the authors' zero map. */
  readonly fallback?: CfCamFallback;
}

export interface CfCamItemReport {
  /** High-norm channels (own gradient). */
  readonly kept: number;
  readonly clusters: number;
  /** Low-norm channels in some cluster. */
  readonly clustered: number;
  /** Low-norm channels DBSCAN labelled noise. */
  readonly noise: number;
  /** 'softmax' = the authors' weights; 'signed' = the raw weights (`weighting: 'signed'`, or the fallback taken for this item). */
  readonly weighting: 'softmax' | 'signed';
}

/** Softmax of the raw weights over the valid channels, 0 elsewhere. */
function softmaxOverValid(ch: CfCamChannels): Float64Array {
  const K = ch.raw.length;
  let max = -Infinity;
  for (let k = 0; k < K; k++) if (ch.valid[k]) max = Math.max(max, ch.raw[k]);
  const w = new Float64Array(K);
  let sum = 0;
  for (let k = 0; k < K; k++) if (ch.valid[k]) sum += w[k] = Math.exp(ch.raw[k] - max);
  for (let k = 0; k < K; k++) w[k] /= sum || 1;
  return w;
}

/** Item b of a map as a batch of one. */
const itemMap = (a: SpatialMap, b: number): SpatialMap => {
  const per = a.channels * mapSize(a);
  return { ...a, batch: 1, data: a.data.subarray(b * per, (b + 1) * per) };
};

export class CFCAM extends WeightedCAM {
  readonly name = 'cfcam';
  protected override readonly scaling = 'max' as const;
  /** Per item of the last explained layer: how channels were split and weighted (for reports and tests). */
  lastReport: CfCamItemReport[] = [];
  /** Per layer call: each item's channel split, the first map's max and the weighting it ended with. */
  readonly #layers = new WeakMap<LayerContext, { channels: CfCamChannels[]; firstMax: number[]; weighting: CfCamItemReport['weighting'][] }>();

  constructor(override readonly options: CfCamOptions = {}) {
    super(options);
  }

  /** The authors' weights: softmax of the raw weights over the kept channels (or the signed raw weights). */
  protected weights(ctx: LayerContext): Float64Array {
    const { layer } = ctx;
    const a = layer.activations;
    const g = gradientsOf(layer);
    const K = a.channels;
    const n = mapSize(a);
    const w = new Float64Array(a.batch * K);
    const channels: CfCamChannels[] = [];
    for (let b = 0; b < a.batch; b++) {
      const A = (k: number): Float32Array => a.data.subarray((b * K + k) * n, (b * K + k + 1) * n);
      const G = (k: number): Float32Array => g.data.subarray((b * K + k) * n, (b * K + k + 1) * n);
      const ch = cfcamChannels(K, a.height, a.width, A, G, this.options);
      channels.push(ch);
      w.set(this.options.weighting === 'signed' ? signedOverValid(ch) : softmaxOverValid(ch), b * K);
    }
    this.#layers.set(ctx, { channels, firstMax: [], weighting: [] });
    return w;
  }

  protected override async layerMap(ctx: LayerContext): Promise<Float32Array> {
    const maps = await super.layerMap(ctx);
    const a = ctx.layer.activations;
    const n = mapSize(a);
    const state = this.#layers.get(ctx)!;
    const eigen = this.options.eigenSmooth ?? false;
    this.lastReport = [];
    const softmax = this.options.weighting !== 'signed';
    for (let b = 0; b < a.batch; b++) {
      const ch = state.channels[b];
      const max = rangeOf(maps, b * n, (b + 1) * n).max;
      state.firstMax.push(max);
      let weighting: CfCamItemReport['weighting'] = softmax ? 'softmax' : 'signed';
      // NaN is left to the pipeline (it zeroes and reports non-finite values); with no
      // activation or no gradient at all no weighting can help, and the pipeline says so
      if (softmax && max <= 0 && (this.options.fallback ?? 'signed') === 'signed' && layerZeroFacts(ctx.layer, b) === undefined) {
        maps.set(weightedMaps(itemMap(a, b), signedOverValid(ch), eigen), b * n);
        weighting = 'signed';
        ctx.note(b, `${softmaxFailure(ch, max)}; shown instead: the signed raw weights of the same ${countValid(ch)} channels, no softmax (fallback 'signed')`);
      }
      state.weighting.push(weighting);
      this.lastReport.push({ kept: ch.kept, clusters: ch.clusters, clustered: ch.clustered, noise: ch.noise, weighting });
    }
    return maps;
  }

  protected override zeroReason(ctx: LayerContext, b: number, raw: Float32Array): string {
    const state = this.#layers.get(ctx);
    if (!state) return super.zeroReason(ctx, b, raw);
    const facts = layerZeroFacts(ctx.layer, b);
    if (facts !== undefined) return facts;
    const ch = state.channels[b];
    if (this.options.weighting === 'signed') return `${noiseFact(ch)}the map with the signed raw weights of the ${countValid(ch)} kept channels is <= 0 everywhere (max ${fmt(rangeOf(raw).max)})`;
    const first = softmaxFailure(ch, state.firstMax[b]);
    if (state.weighting[b] === 'signed') return `${first}, and with the signed raw weights (the fallback) too (max ${fmt(rangeOf(raw).max)})`;
    return first;
  }
}

/** The raw weights of the valid channels, 0 elsewhere. */
const signedOverValid = (ch: CfCamChannels): Float64Array => Float64Array.from(ch.raw, (v, k) => (ch.valid[k] ? v : 0));

const countValid = (ch: CfCamChannels): number => ch.valid.reduce((s, v) => s + v, 0);

const channels = (n: number, what: string): string => `${n} ${what} channel${n === 1 ? '' : 's'}`;

const noiseFact = (ch: CfCamChannels): string =>
  ch.clustered === 0 && ch.noise > 0 ? `DBSCAN marked every one of the ${channels(ch.noise, 'low-norm')} as noise, so only the ${channels(ch.kept, 'high-norm')} ${ch.kept === 1 ? 'remains' : 'remain'}; ` : '';

/** Why the softmax-weighted map has nothing positive, with the numbers that show it. */
function softmaxFailure(ch: CfCamChannels, max: number): string {
  const kept = countValid(ch);
  let lo = Infinity;
  let hi = -Infinity;
  for (let k = 0; k < ch.raw.length; k++) {
    if (!ch.valid[k]) continue;
    lo = Math.min(lo, ch.raw[k]);
    hi = Math.max(hi, ch.raw[k]);
  }
  const head = `${noiseFact(ch)}the softmax-weighted map (the authors' CF-CAM) is <= 0 everywhere (max ${fmt(max)})`;
  if (kept === 1) return `${head}: the one kept channel gets softmax weight 1, so the map is its activation map`;
  const ratio = Math.exp(hi - lo);
  const near = ratio < 1.1 ? ` and the map is nearly the plain mean of their activations` : '';
  return `${head}: the ${kept} kept channels' raw weights lie in [${fmt(lo)}, ${fmt(hi)}], so their softmax weights are equal within a factor ${ratio.toPrecision(5)}${near}`;
}
