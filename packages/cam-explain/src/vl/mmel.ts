/**
 * MMEL-style maps: the project's own definition after the MMEL abstract (2025, built on
 * Grad-ECLIP; no public code or formulas), labelled as such everywhere. From one Grad-ECLIP
 * backward pass over the last K image blocks (grad-eclip.ts, per-block scores m_l):
 *
 *   M_l   = minmax(ReLU(m_l))                                  per block, on the patch grid
 *   M~_l  = sum_s gamma_s Up_s(AvgPool_s(M_l)),  s in {1, 2, 4}, gamma = (0.5, 0.3, 0.2)
 *           ("multi-scale feature processing": block averages of s x s patches, bilinear back)
 *   map   = sum_l softmax(beta)_l M~_l                         ("learnable layer-specific weights")
 *
 * beta is fitted on a calibration split (calibrateMmel) to maximise mean insertion AUC minus
 * deletion AUC. Those AUCs depend on beta only through the ORDER of the pixels, so they are
 * piecewise constant in beta and their gradient is zero almost everywhere: the fit is a
 * derivative-free coordinate search (each coordinate moved by +-step, the step halved when no
 * move improves), the documented surrogate for "gradients of the AUC". beta = 0 (equal
 * weights) when no calibration is given.
 *
 * Cross-modal alignment: the text side is Grad-ECLIP's token weights tau over the text blocks;
 * with `alignment: 'words'` the image side is sum_p tau_p M~_l(word p) (one-word texts, one
 * backward pass each), else the whole caption's M~_l (one backward pass, the default).
 */
import { GradlocError, resizeBilinear } from '@gradloc/tensor-backend';
import { minMaxNormalize } from '../image/normalize.js';
import type { ImageSideMap } from './grad-eclip.js';

export interface MmelOptions {
  /** Last K image blocks (default 4, or all when fewer). */
  readonly blocks?: number;
  /** Text blocks of the token weights (default Grad-ECLIP's 8). */
  readonly textBlocks?: number;
  /** Layer logits beta, first to last chosen block (default all 0). */
  readonly layerLogits?: readonly number[];
  /** Pooling sizes s and their weights gamma (default [1, 2, 4], [0.5, 0.3, 0.2]). */
  readonly scales?: readonly number[];
  readonly scaleWeights?: readonly number[];
  /**
   * Cross-modal alignment: 'caption' (default) explains the whole caption (one backward pass);
   * 'words' sums the one-word texts' maps weighted by the caption's Grad-ECLIP token weights
   * (one backward pass per word; image-text.ts).
   */
  readonly alignment?: 'caption' | 'words';
}

export const MMEL_DEFAULT_SCALES = [1, 2, 4] as const;
export const MMEL_DEFAULT_SCALE_WEIGHTS = [0.5, 0.3, 0.2] as const;

export function softmaxWeights(x: readonly number[]): number[] {
  const m = Math.max(...x);
  const e = x.map((v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** Mean over s x s blocks (partial blocks at the edges averaged over what they hold), [rows, cols]. */
function blockMean(a: Float32Array, rows: number, cols: number, s: number): { data: Float32Array; rows: number; cols: number } {
  const r = Math.ceil(rows / s);
  const c = Math.ceil(cols / s);
  const out = new Float32Array(r * c);
  for (let i = 0; i < r; i++) {
    for (let j = 0; j < c; j++) {
      let sum = 0;
      let n = 0;
      for (let y = i * s; y < Math.min(rows, (i + 1) * s); y++) for (let x = j * s; x < Math.min(cols, (j + 1) * s); x++, n++) sum += a[y * cols + x];
      out[i * c + j] = sum / n;
    }
  }
  return { data: out, rows: r, cols: c };
}

/** M~_l of every chosen block: the multi-scale, per-block-normalised maps (independent of beta). */
export function mmelLayerMaps(image: Pick<ImageSideMap, 'perBlock' | 'rows' | 'cols'>, opts: MmelOptions = {}): Float32Array[] {
  const scales = opts.scales ?? MMEL_DEFAULT_SCALES;
  const gamma = opts.scaleWeights ?? MMEL_DEFAULT_SCALE_WEIGHTS;
  if (scales.length !== gamma.length || scales.some((s) => !(Number.isInteger(s) && s >= 1))) {
    throw new GradlocError('BAD_INPUT', 'MMEL scales must be integers >= 1, one weight each');
  }
  const { rows, cols } = image;
  return image.perBlock.map((m) => {
    const base = minMaxNormalize(Float32Array.from(m, (v) => (v > 0 ? v : 0)));
    const out = new Float32Array(rows * cols);
    scales.forEach((s, k) => {
      const pooled = s === 1 ? { data: base, rows, cols } : blockMean(base, rows, cols, s);
      const up = s === 1 ? base : resizeBilinear(pooled.data, 1, pooled.rows, pooled.cols, rows, cols);
      for (let i = 0; i < out.length; i++) out[i] += gamma[k] * up[i];
    });
    return out;
  });
}

/** sum_l softmax(beta)_l M~_l. */
export function combineLayers(layers: readonly Float32Array[], logits: readonly number[] | undefined): Float32Array {
  const beta = logits ?? layers.map(() => 0);
  if (beta.length !== layers.length) throw new GradlocError('BAD_INPUT', `MMEL has ${layers.length} layer maps but ${beta.length} layer logits (calibrated for another number of blocks?)`);
  const w = softmaxWeights(beta);
  const out = new Float32Array(layers[0]?.length ?? 0);
  layers.forEach((m, l) => m.forEach((v, i) => (out[i] += w[l] * v)));
  return out;
}

/** The MMEL-style patch-grid map of one pair. */
export function mmelImageMap(image: ImageSideMap, opts: MmelOptions = {}): Float32Array {
  return combineLayers(mmelLayerMaps(image, opts), opts.layerLogits);
}

export interface MmelCalibration {
  /** The fitted logits beta, first to last block. */
  readonly layerLogits: number[];
  readonly weights: number[];
  /** Mean insertion - deletion AUC at beta = 0 and at the fitted beta. */
  readonly objectiveAtEqual: number;
  readonly objective: number;
  readonly evaluations: number;
}

/**
 * Coordinate search for beta maximising `objective(beta)` (the mean insertion - deletion AUC
 * over a calibration split, see the file comment). Starts at 0; steps `step`, `step/2`, ...
 * down to `minStep`.
 */
export async function calibrateMmel(blocks: number, objective: (beta: readonly number[]) => Promise<number>, opts: { step?: number; minStep?: number; onProgress?: (beta: readonly number[], value: number) => void } = {}): Promise<MmelCalibration> {
  let beta = Array.from({ length: blocks }, () => 0);
  let best = await objective(beta);
  const atEqual = best;
  let evaluations = 1;
  for (let step = opts.step ?? 2; step >= (opts.minStep ?? 0.25); step /= 2) {
    let moved = true;
    while (moved) {
      moved = false;
      for (let l = 0; l < blocks; l++) {
        for (const dir of [1, -1]) {
          const trial = beta.map((b, i) => (i === l ? b + dir * step : b));
          const v = await objective(trial);
          evaluations++;
          if (v > best + 1e-9) {
            best = v;
            beta = trial;
            moved = true;
            opts.onProgress?.(beta, best);
          }
        }
      }
    }
  }
  return { layerLogits: beta, weights: softmaxWeights(beta), objectiveAtEqual: atEqual, objective: best, evaluations };
}
