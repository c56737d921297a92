/**
 * CF-CAM, Cluster Filter CAM (2025): gradient noise is filtered by clustering channels.
 * Per batch item, with A_k the activations and G_k the gradients of channel k:
 *
 * 1. Channels whose activation L2 norm is at or above the 75th percentile (numpy's linear
 *    interpolation) keep their own gradient: raw weight = spatial mean of G_k.
 * 2. The other channels are clustered by DBSCAN on their flattened gradient maps (Euclidean):
 *    eps = the 25th percentile of their pairwise distances (floor 1e-5), min_samples =
 *    max(2, floor(0.05 n)) for n such channels; noise channels are dropped (weight 0).
 * 3. Each cluster's mean gradient map is smoothed (Gaussian, sigma 1 feature-map pixel, by
 *    default; bilateral as an option, range sigma = the map's standard deviation) and every
 *    member's raw weight is the spatial mean of that smoothed map.
 * 4. Weights = softmax of the raw weights over the kept channels; CAM = ReLU(sum_k w_k A_k),
 *    divided by its max (not min-max: the paper's normalisation) and upsampled; for several
 *    layers, as in base-cam.ts, the mean of those maps divided by its max. Scaling before or
 *    after the (linear, constant-preserving) upsampling gives the same single-layer map.
 */
import { bilateralFilter, gaussianFilter } from '@gradloc/tensor-backend';
import { dbscan, percentile } from '../../cluster/dbscan.js';
import { gradientsOf, WeightedCAM, type CamOptions, type LayerContext } from '../base-cam.js';
import { mapSize } from '../../spatial.js';

export interface CfCamOptions extends CamOptions {
  /** Smoothing of each cluster's mean gradient (default 'gaussian'). */
  readonly filter?: 'gaussian' | 'bilateral';
  /** Spatial sigma in feature-map pixels (default 1). */
  readonly sigma?: number;
  /** Activation-norm percentile at or above which a channel keeps its own gradient (default 75). */
  readonly keepPercentile?: number;
  /** Percentile of pairwise distances used as DBSCAN's eps (default 25). */
  readonly epsPercentile?: number;
}

export interface CfCamItemReport {
  readonly kept: number;
  readonly clusters: number;
  readonly noise: number;
}

export class CFCAM extends WeightedCAM {
  readonly name = 'cfcam';
  protected override readonly scaling = 'max' as const;
  /** Per item of the last explained layer: how channels were split (for reports and tests). */
  lastReport: CfCamItemReport[] = [];

  constructor(override readonly options: CfCamOptions = {}) {
    super(options);
  }

  protected weights({ layer }: LayerContext): Float64Array {
    const a = layer.activations;
    const g = gradientsOf(layer);
    const K = a.channels;
    const n = mapSize(a);
    const w = new Float64Array(a.batch * K);
    this.lastReport = [];
    for (let b = 0; b < a.batch; b++) {
      const A = (k: number): Float32Array => a.data.subarray((b * K + k) * n, (b * K + k + 1) * n);
      const G = (k: number): Float32Array => g.data.subarray((b * K + k) * n, (b * K + k + 1) * n);
      const raw = this.itemWeights(K, n, a.height, a.width, A, G);
      w.set(raw.weights, b * K);
      this.lastReport.push(raw.report);
    }
    return w;
  }

  private itemWeights(K: number, n: number, h: number, wd: number, A: (k: number) => Float32Array, G: (k: number) => Float32Array): { weights: Float64Array; report: CfCamItemReport } {
    const mean = (v: ArrayLike<number>): number => {
      let s = 0;
      for (let i = 0; i < v.length; i++) s += v[i];
      return s / v.length;
    };
    const norms = Float64Array.from({ length: K }, (_, k) => {
      const ak = A(k);
      let s = 0;
      for (let p = 0; p < n; p++) s += ak[p] * ak[p];
      return Math.sqrt(s);
    });
    const threshold = percentile(Float64Array.from(norms), this.options.keepPercentile ?? 75);
    const raw = new Float64Array(K);
    const kept = new Uint8Array(K);
    const low: number[] = [];
    for (let k = 0; k < K; k++) {
      if (norms[k] >= threshold) {
        raw[k] = mean(G(k));
        kept[k] = 1;
      } else low.push(k);
    }
    let clusters = 0;
    let noise = 0;
    if (low.length > 0) {
      const m = low.length;
      const d = new Float64Array(m * m);
      const pairs = new Float64Array((m * (m - 1)) / 2);
      let pi = 0;
      for (let i = 0; i < m; i++) {
        const gi = G(low[i]);
        for (let j = i + 1; j < m; j++) {
          const gj = G(low[j]);
          let s = 0;
          for (let p = 0; p < n; p++) s += (gi[p] - gj[p]) ** 2;
          d[i * m + j] = d[j * m + i] = Math.sqrt(s);
          pairs[pi++] = Math.sqrt(s);
        }
      }
      const eps = Math.max(1e-5, pairs.length > 0 ? percentile(pairs, this.options.epsPercentile ?? 25) : 0);
      const minSamples = Math.max(2, Math.floor(0.05 * m));
      const { labels, clusters: c } = dbscan(m, (i, j) => d[i * m + j], eps, minSamples);
      clusters = c;
      for (let id = 0; id < c; id++) {
        const members = low.filter((_, i) => labels[i] === id);
        const avg = new Float64Array(n);
        for (const k of members) {
          const gk = G(k);
          for (let p = 0; p < n; p++) avg[p] += gk[p] / members.length;
        }
        const smooth = this.smooth(avg, h, wd);
        const value = mean(smooth);
        for (const k of members) {
          raw[k] = value;
          kept[k] = 1;
        }
      }
      noise = low.filter((_, i) => labels[i] === -1).length;
    }
    // softmax over the kept channels
    let max = -Infinity;
    for (let k = 0; k < K; k++) if (kept[k]) max = Math.max(max, raw[k]);
    let sum = 0;
    const weights = new Float64Array(K);
    for (let k = 0; k < K; k++) if (kept[k]) sum += weights[k] = Math.exp(raw[k] - max);
    for (let k = 0; k < K; k++) weights[k] /= sum || 1;
    return { weights, report: { kept: K - low.length, clusters, noise } };
  }

  private smooth(map: Float64Array, h: number, w: number): Float32Array {
    const sigma = this.options.sigma ?? 1;
    if (this.options.filter === 'bilateral') {
      const mu = map.reduce((a, b) => a + b, 0) / map.length;
      const sd = Math.sqrt(map.reduce((a, b) => a + (b - mu) ** 2, 0) / map.length);
      return bilateralFilter(map, h, w, sigma, sd);
    }
    return gaussianFilter(map, h, w, sigma);
  }
}
