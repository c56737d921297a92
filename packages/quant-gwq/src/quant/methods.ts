/**
 * The outlier-selection methods, each one per-weight score (select-outliers.ts keeps the top
 * fraction per matrix). Everything else (group quantization, export, bit budget) is shared,
 * so methods compare at equal bits per weight.
 * - gwq:       calibration-gradient magnitude (GWQ, Shao et al. 2024); the `sensitivity`
 *              option picks |sum of g| (default), sum of |g| per sample, or sum of g^2 (Fisher)
 * - magnitude: |w|
 * - hessian:   E[x_k^2] * w^2, the diagonal-Hessian saliency of SpQR/OWQ (H = X^T X / rows)
 * - random:    uniform positions (control)
 * - rtn:       no outliers at all
 */
import { GradlocError } from '@gradloc/tensor-backend';
import type { ActivationStats, WeightStats } from '../calib/calibrate.js';
import { outlierCount, randomMask, topMask } from './select-outliers.js';

export const METHODS = ['gwq', 'rtn', 'magnitude', 'hessian', 'random'] as const;
export type Method = (typeof METHODS)[number];

export const SENSITIVITIES = ['gradient', 'abs-sum', 'fisher'] as const;

/**
 * What an outlier is: one weight (the paper's element-wise top fraction) or one input channel
 * (a whole row k of W [K, N], ranked by the sum of its weights' scores). Channels export as
 * one small dense product (export/outliers.ts), which onnxruntime runs far faster than the
 * element-wise scatter.
 */
export const OUTLIER_UNITS = ['channel', 'weight'] as const;
export type OutlierUnit = (typeof OUTLIER_UNITS)[number];
export type Sensitivity = (typeof SENSITIVITIES)[number];

/** Whether a method needs calibration runs (gradients or activations). */
export const needsCalibration = (m: Method): boolean => m === 'gwq' || m === 'hessian';

export interface MaskInput {
  readonly method: Method;
  readonly sensitivity: Sensitivity;
  /** Row-major [K, N]. */
  readonly W: Float32Array;
  readonly K: number;
  readonly N: number;
  readonly fraction: number;
  readonly unit: OutlierUnit;
  readonly seed: number;
  readonly grads?: WeightStats;
  readonly activation?: ActivationStats;
}

function need<T>(value: T | undefined, what: string, method: Method): T {
  if (value === undefined) throw new GradlocError('BAD_INPUT', `method '${method}' needs ${what} from calibration`);
  return value;
}

function score(m: MaskInput): Float64Array {
  const { W, K, N } = m;
  const s = new Float64Array(K * N);
  switch (m.method) {
    case 'magnitude':
      for (let i = 0; i < s.length; i++) s[i] = Math.abs(W[i]);
      return s;
    case 'hessian': {
      const a = need(m.activation, 'activation statistics', m.method);
      for (let k = 0; k < K; k++) {
        const h = a.squares[k] / Math.max(1, a.rows);
        for (let n = 0; n < N; n++) s[k * N + n] = h * W[k * N + n] * W[k * N + n];
      }
      return s;
    }
    case 'gwq': {
      const g = need(m.grads, 'gradients', m.method);
      const src = m.sensitivity === 'gradient' ? g.grad : m.sensitivity === 'abs-sum' ? g.absGrad : g.sqGrad;
      for (let i = 0; i < s.length; i++) s[i] = Math.abs(src[i]);
      return s;
    }
    default:
      throw new Error(`no score for method '${m.method}'`);
  }
}

/** Row sums of a [K, N] score: one score per input channel. */
function channelScore(s: Float64Array, K: number, N: number): Float64Array {
  const out = new Float64Array(K);
  for (let k = 0; k < K; k++) for (let n = 0; n < N; n++) out[k] += s[k * N + n];
  return out;
}

/** Whole rows of a [K, N] mask where the row mask is set. */
function rowsMask(rows: Uint8Array, N: number): Uint8Array {
  const mask = new Uint8Array(rows.length * N);
  rows.forEach((r, k) => r && mask.fill(1, k * N, (k + 1) * N));
  return mask;
}

/** The FP16-outlier mask of one matrix (undefined when none are kept). */
export function outlierMask(m: MaskInput): Uint8Array | undefined {
  const channels = m.unit === 'channel';
  const size = channels ? m.K : m.K * m.N;
  const count = m.method === 'rtn' ? 0 : outlierCount(size, m.fraction);
  if (count === 0) return undefined;
  if (m.method === 'random') {
    const r = randomMask(size, count, m.seed);
    return channels ? rowsMask(r, m.N) : r;
  }
  return channels ? rowsMask(topMask(channelScore(score(m), m.K, m.N), count), m.N) : topMask(score(m), count);
}
