/**
 * What every faithfulness metric shares: the request (model, feeds, target, image input),
 * the saliency maps under evaluation, and the preparation each metric starts with.
 *
 * Preparation runs the model once on the unmodified batch and freezes the target on those
 * outputs (CamTarget.freeze): an 'auto' class becomes each item's predicted class, so every
 * perturbed copy is scored for the class the explanation was made for, not for whatever class
 * wins on the perturbed copy. The frozen target's score on the original outputs is each
 * item's reference score (Y in the confidence metrics).
 *
 * Images must be float32 (what perturbedScores writes its perturbed copies as).
 *
 * Maps are given at the image's resolution ([B, H, W], what every CamMethod returns); a map of
 * another size is an error rather than silently resized, since the pixel orderings the metrics
 * use are only meaningful on the pixels that are actually perturbed.
 */
import { GradlocError, type Feeds, type OnnxModel, type Tensor } from '@gradloc/tensor-backend';
import { withOutputs } from '../capture.js';
import { imageInput, type CamResult } from '../cam/base-cam.js';
import type { PerturbRequest } from '../perturb.js';
import type { CamTarget } from '../target.js';

export interface MetricRequest {
  readonly model: OnnxModel;
  readonly feeds: Feeds;
  /** The target the maps explain; frozen on the original outputs before any perturbation. */
  readonly target: CamTarget;
  /** The image input (default: the first rank-4 input, as for the explanation methods). */
  readonly input?: string;
  /** Perturbed copies per forward pass (default 32, see perturbedScores). */
  readonly batchSize?: number;
}

/** The part of a CamResult the metrics read: maps [B, H, W], higher = more relevant. */
export type SaliencyMaps = Pick<CamResult, 'batch' | 'height' | 'width' | 'maps'>;

/** A prepared metric run (internal to the metrics). */
export interface PreparedMetric {
  readonly input: string;
  readonly image: Tensor;
  readonly batch: number;
  readonly channels: number;
  readonly height: number;
  readonly width: number;
  readonly frozen: CamTarget;
  /** The frozen target's score on the unmodified batch, per item. */
  readonly scores: Float64Array;
  /** The request perturbedScores takes, with the frozen target. */
  readonly perturb: PerturbRequest;
  readonly request: MetricRequest;
}

/** One forward pass on the original batch, the target frozen on it. */
export async function prepareMetric(req: MetricRequest): Promise<PreparedMetric> {
  const { name, tensor: image } = imageInput(req.model, req.feeds, req.input);
  // perturbedScores writes its copies as float32 data (a float64 image would get a float32 buffer)
  if (image.dtype !== 'float32') throw new GradlocError('DTYPE_MISMATCH', `the metrics perturb float32 images; '${name}' is ${image.dtype}`);
  const [batch, channels, height, width] = image.dims;
  const names = [...new Set([req.target.output, ...(req.target.reads ?? [])])];
  const outputs = await withOutputs(req.model, names, req.feeds).run(req.feeds, names);
  const frozen = req.target.freeze(outputs);
  return {
    input: name,
    image,
    batch,
    channels,
    height,
    width,
    frozen,
    scores: frozen.score(outputs),
    perturb: { model: req.model, feeds: req.feeds, input: name, target: frozen, batchSize: req.batchSize, measure: 'score' },
    request: req,
  };
}

/** Throws unless the maps cover exactly the prepared image's batch and pixels. */
export function checkMaps(p: Pick<PreparedMetric, 'batch' | 'height' | 'width'>, s: SaliencyMaps): void {
  if (s.batch !== p.batch || s.height !== p.height || s.width !== p.width || s.maps.length !== s.batch * s.height * s.width) {
    throw new GradlocError(
      'SHAPE_MISMATCH',
      `saliency maps [${s.batch}, ${s.height}, ${s.width}] (${s.maps.length} values) do not match the image [${p.batch}, *, ${p.height}, ${p.width}]`,
    );
  }
}

/** Item b's map [H * W] (a view). */
export function mapOf(s: SaliencyMaps, b: number): Float32Array {
  const n = s.height * s.width;
  return s.maps.subarray(b * n, (b + 1) * n);
}

/** Mean of the finite entries (NaN when there are none). */
export function finiteMean(xs: ArrayLike<number>): number {
  let s = 0;
  let n = 0;
  for (let i = 0; i < xs.length; i++) {
    if (Number.isFinite(xs[i])) {
      s += xs[i];
      n++;
    }
  }
  return n === 0 ? NaN : s / n;
}
