/**
 * CF-CAM's channel step for one batch item (see cf-cam.ts for the whole definition): which
 * channels keep their own gradient, which are clustered, which are dropped as noise, and the
 * raw (pre-softmax) weight of every channel that stays.
 */
import { dbscan, percentile } from '../../cluster/dbscan.js';
import { bilateralFilter, gaussianFilter } from '@gradloc/tensor-backend';
import { cfcamFilter } from './cf-cam-filter.js';
import { mean } from '../../stats.js';

/** Which maps DBSCAN compares: the authors' activation maps, or gradloc's earlier gradient maps. */
export type CfCamCluster = 'activations' | 'gradients';
/** The smoothing of a cluster's mean gradient: the authors' whole-map kernel, or a Gaussian / bilateral filter. */
export type CfCamFilter = 'cfcam' | 'gaussian' | 'bilateral';

export interface CfCamChannelOptions {
  readonly cluster?: CfCamCluster;
  readonly filter?: CfCamFilter;
  /** Spatial sigma in feature-map pixels (default 5 for 'cfcam', as the authors; 1 for 'gaussian' and 'bilateral'). */
  readonly sigma?: number;
  /** Range sigma of the 'cfcam' filter, in gradient units (default 0.1, as the authors). */
  readonly rangeSigma?: number;
  /** Activation-norm percentile at or above which a channel keeps its own gradient (default 75). */
  readonly keepPercentile?: number;
  /** Percentile of the pairwise distances used as DBSCAN's eps (default 25). */
  readonly epsPercentile?: number;
}

export interface CfCamChannels {
  /** Raw weight per channel: its gradient's spatial mean (high-norm) or its cluster's (clustered); 0 for noise. */
  readonly raw: Float64Array;
  /** 1 for the channels that enter the map (high-norm or clustered), 0 for noise. */
  readonly valid: Uint8Array;
  /** High-norm channels (they keep their own gradient). */
  readonly kept: number;
  readonly clusters: number;
  /** Low-norm channels that joined a cluster. */
  readonly clustered: number;
  /** Low-norm channels DBSCAN labelled noise (dropped). */
  readonly noise: number;
  /** DBSCAN's eps and min_samples (NaN / 0 when fewer than two low-norm channels). */
  readonly eps: number;
  readonly minSamples: number;
}

/**
 * eps as the authors compute it: a percentile of the full distance matrix without its
 * diagonal, i.e. of every pair's distance counted twice (d(i, j) and d(j, i)). With numpy's
 * linear interpolation that is not the same number as the percentile of the distinct pairs.
 */
function epsOf(pairs: Float64Array, q: number): number {
  const both = new Float64Array(pairs.length * 2);
  both.set(pairs);
  both.set(pairs, pairs.length);
  return Math.max(percentile(both, q), 1e-5);
}

/**
 * `A(k)` and `G(k)` are channel k's activation and gradient maps [h * w] of the item.
 */
export function cfcamChannels(K: number, h: number, w: number, A: (k: number) => Float32Array, G: (k: number) => Float32Array, o: CfCamChannelOptions = {}): CfCamChannels {
  const n = h * w;
  const norms = Float64Array.from({ length: K }, (_, k) => {
    const ak = A(k);
    let s = 0;
    for (let p = 0; p < n; p++) s += ak[p] * ak[p];
    return Math.sqrt(s);
  });
  const threshold = percentile(Float64Array.from(norms), o.keepPercentile ?? 75);
  const raw = new Float64Array(K);
  const valid = new Uint8Array(K);
  const low: number[] = [];
  for (let k = 0; k < K; k++) {
    if (norms[k] >= threshold) {
      raw[k] = mean(G(k));
      valid[k] = 1;
    } else low.push(k);
  }
  const m = low.length;
  // One low-norm channel has no pair to measure (the authors' numpy percentile of an empty
  // list fails there): it can never meet min_samples >= 2, so it is noise.
  if (m < 2) return { raw, valid, kept: K - m, clusters: 0, clustered: 0, noise: m, eps: NaN, minSamples: 0 };
  const features = (o.cluster ?? 'activations') === 'activations' ? A : G;
  const d = new Float64Array(m * m);
  const pairs = new Float64Array((m * (m - 1)) / 2);
  let pi = 0;
  for (let i = 0; i < m; i++) {
    const fi = features(low[i]);
    for (let j = i + 1; j < m; j++) {
      const fj = features(low[j]);
      let s = 0;
      for (let p = 0; p < n; p++) s += (fi[p] - fj[p]) ** 2;
      d[i * m + j] = d[j * m + i] = pairs[pi++] = Math.sqrt(s);
    }
  }
  const eps = epsOf(pairs, o.epsPercentile ?? 25);
  const minSamples = Math.max(2, Math.floor(0.05 * m));
  const { labels, clusters } = dbscan(m, (i, j) => d[i * m + j], eps, minSamples);
  let clustered = 0;
  for (let id = 0; id < clusters; id++) {
    const members = low.filter((_, i) => labels[i] === id);
    // the cluster's representative: the mean of its members' GRADIENT maps, smoothed
    const avg = new Float64Array(n);
    for (const k of members) {
      const gk = G(k);
      for (let p = 0; p < n; p++) avg[p] += gk[p] / members.length;
    }
    const value = mean(smooth(avg, h, w, o));
    for (const k of members) {
      raw[k] = value;
      valid[k] = 1;
    }
    clustered += members.length;
  }
  return { raw, valid, kept: K - m, clusters, clustered, noise: m - clustered, eps, minSamples };
}

function smooth(map: Float64Array, h: number, w: number, o: CfCamChannelOptions): Float32Array {
  const filter = o.filter ?? 'cfcam';
  if (filter === 'cfcam') return cfcamFilter(map, h, w, o.sigma ?? 5, o.rangeSigma ?? 0.1);
  const sigma = o.sigma ?? 1;
  if (filter === 'bilateral') {
    const mu = mean(map);
    const sd = Math.sqrt(map.reduce((a, b) => a + (b - mu) ** 2, 0) / map.length);
    return bilateralFilter(map, h, w, sigma, sd);
  }
  return gaussianFilter(map, h, w, sigma);
}
