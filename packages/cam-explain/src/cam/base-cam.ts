/**
 * The CAM skeleton every method shares (after pytorch-grad-cam's BaseCAM): capture the
 * target layers, let the method turn each layer into a raw map per batch item, then the
 * common post-processing, in pytorch-grad-cam's order (`compute_cam_per_layer` +
 * `aggregate_multi_layers`):
 *
 * 1. per layer and item: ReLU, then `scale_cam_image(cam, target_size)`: scaling on the
 *    layer's own low-resolution grid, (x - min) / (max - min + 1e-7), and only then bilinear
 *    resizing to the input's H x W (half-pixel centres, as cv2's INTER_LINEAR);
 * 2. the layers' resized maps: ReLU, mean over the layers, and the same scaling again (no
 *    resize).
 *
 * For several layers this matches pytorch-grad-cam: each layer enters the mean with its own
 * low-res maximum at 1, so a coarse layer whose peak loses height when upsampled is weighted
 * as pytorch-grad-cam weighs it (scaling after resizing would weigh the layers differently,
 * by up to 0.14). For one layer both orders give min-max(upsample(ReLU(map))), since the
 * resize is linear and keeps constants. CF-CAM's variant divides by the max instead of the
 * min-max, at the same two places (before the resize, and after the mean).
 *
 * A method supplies only `layerMap` (or, through WeightedCAM, only its channel weights).
 *
 * The pipeline never stays silent about an empty map: non-finite raw values are set to 0 and
 * reported, every layer map of an item that ReLU (or a min-max of a constant map) sends to
 * zero gets a reason (`zeroReason`, which a method can make more specific), and an item whose
 * final map has no positive value gets a line in `CamResult.warnings` (see warnings.ts).
 */
import { GradlocError, type Feeds, type OnnxModel, type Tensor, resizeBilinear } from '@gradloc/tensor-backend';
import { capture, captureActivations, type Capture, type CapturedLayer, type LayerSpec } from '../capture.js';
import { divideByMax, minMaxNormalize, relu } from '../image/normalize.js';
import { principalProjection as principalProjectionOf } from '../linalg/principal.js';
import { mapSize, type SpatialMap } from '../spatial.js';
import type { CamTarget } from '../target.js';
import { augmentations } from './augment.js';
import { fmt, newDiagnoses, nonFiniteNote, rangeOf, resultWarnings, zeroNonFinite, type ItemDiagnosis } from './warnings.js';

export interface ExplainRequest {
  readonly model: OnnxModel;
  readonly feeds: Feeds;
  readonly target: CamTarget;
  /** One or more layers; several are averaged. */
  readonly layers: readonly LayerSpec[];
  /** The image input whose H x W the maps take (default: the first rank-4 input). */
  readonly input?: string;
}

export interface CamOptions {
  /** Replace the channel sum by the first principal component of the weighted activations. */
  readonly eigenSmooth?: boolean;
  /** Test-time augmentation: average over horizontal flips x brightness 0.9/1/1.1 (class-style targets only). */
  readonly augSmooth?: boolean;
}

/** Maps [B, H, W] in [0, 1] and the target's score per item. */
export interface CamResult {
  readonly batch: number;
  readonly height: number;
  readonly width: number;
  readonly maps: Float32Array;
  readonly scores: Float64Array;
  /**
   * Empty when every map is a normal one. Otherwise one human-readable line per finding,
   * each of the form `<method>: item <b>: <what>`: an item whose map is all zeros (with the
   * reason as far as it is known, e.g. "all channel weights were <= 0"), non-finite values
   * that were set to 0, or a documented fallback a method took (CF-CAM's signed weights). A
   * zero map is still returned as is: it is a valid answer, but never a silent one.
   */
  readonly warnings: readonly string[];
}

/** Anything that explains: the CAMs, FullGrad and the input attributions. */
export interface CamMethod {
  readonly name: string;
  explain(request: ExplainRequest): Promise<CamResult>;
}

/** What a method sees for one layer. */
export interface LayerContext {
  readonly request: ExplainRequest;
  readonly capture: Capture;
  readonly layer: CapturedLayer;
  readonly input: string;
  /** Records a finding about item b's map of this layer (e.g. a fallback); it ends up in `CamResult.warnings`. */
  readonly note: (b: number, text: string) => void;
}

export function imageInput(model: OnnxModel, feeds: Feeds, input?: string): { name: string; tensor: Tensor } {
  const name = input ?? model.inputNames.find((n) => feeds[n]?.dims.length === 4) ?? model.inputNames[0];
  const t = feeds[name];
  if (!t) throw new GradlocError('BAD_INPUT', `no feed for image input '${name}'`);
  if (t.dims.length !== 4) throw new GradlocError('BAD_INPUT', `image input '${name}' has dims [${t.dims.join(',')}], expected [B, C, H, W]`);
  return { name, tensor: t };
}

export const gradientsOf = (layer: CapturedLayer): SpatialMap => {
  if (!layer.gradients) throw new GradlocError('BAD_INPUT', `layer '${layer.name}' was captured without gradients`);
  return layer.gradients;
};

export abstract class BaseCAM implements CamMethod {
  abstract readonly name: string;
  /** false: activations from one forward pass suffice (EigenCAM, Score-CAM, Ablation-CAM). */
  readonly usesGradients: boolean = true;
  /**
   * Scaling of each layer's ReLU'd low-res map (before the resize) and of the layers' mean:
   * min-max (pytorch-grad-cam) or division by the max (CF-CAM's definition). For maps that
   * touch zero both agree.
   */
  protected readonly scaling: 'minmax' | 'max' = 'minmax';

  constructor(readonly options: CamOptions = {}) {}

  /** Raw maps [B, h * w] of one layer (before ReLU and scaling). */
  protected abstract layerMap(ctx: LayerContext): Float32Array | Promise<Float32Array>;

  async explain(request: ExplainRequest): Promise<CamResult> {
    if (!this.options.augSmooth) {
      const { result, diagnoses } = await this.explainOnce(request);
      return { ...result, warnings: resultWarnings(this.name, result.maps, result.batch, result.height * result.width, diagnoses) };
    }
    const { name, tensor } = imageInput(request.model, request.feeds, request.input);
    const [B, , H, W] = tensor.dims;
    let sum: Float32Array | undefined;
    let result: Omit<CamResult, 'warnings'> | undefined;
    const augs = augmentations(tensor);
    // findings of the copies, merged per item: a note seen in several copies is said once
    const merged = newDiagnoses(B);
    const seen = merged.map(() => new Map<string, string[]>());
    for (const aug of augs) {
      const once = await this.explainOnce({ ...request, feeds: { ...request.feeds, [name]: aug.input } });
      const maps = aug.undo(once.result.maps, once.result.batch, H, W);
      if (!sum) sum = new Float32Array(maps.length);
      for (let i = 0; i < maps.length; i++) sum[i] += maps[i] / augs.length;
      // report the scores of the unaugmented image, not of the first (darkened) copy
      if (aug.identity) result = once.result;
      once.diagnoses.forEach((d, b) => {
        for (const text of d.notes) seen[b].set(text, [...(seen[b].get(text) ?? []), aug.label]);
        for (const text of d.zeroReasons) if (!merged[b].zeroReasons.includes(text)) merged[b].zeroReasons.push(text);
      });
    }
    seen.forEach((notes, b) => {
      for (const [text, copies] of notes) merged[b].notes.push(`${text} (augmented copies: ${copies.join(', ')})`);
    });
    return { ...result!, maps: sum!, warnings: resultWarnings(this.name, sum!, B, H * W, merged) };
  }

  private async explainOnce(request: ExplainRequest): Promise<{ result: Omit<CamResult, 'warnings'>; diagnoses: ItemDiagnosis[] }> {
    const { name: input, tensor } = imageInput(request.model, request.feeds, request.input);
    const [batch, , H, W] = tensor.dims;
    if (request.layers.length === 0) throw new GradlocError('BAD_INPUT', 'CAM needs at least one target layer');
    const cap = this.usesGradients
      ? await capture(request.model, request.feeds, request.target, { layers: request.layers })
      : await captureActivations(request.model, request.feeds, request.target, request.layers);
    const diagnoses = newDiagnoses(batch);
    const total = new Float32Array(batch * H * W);
    for (const layer of cap.layers) {
      const a = layer.activations;
      if (a.batch !== batch) throw new GradlocError('SHAPE_MISMATCH', `layer '${layer.name}' has batch ${a.batch}, the input ${batch}`);
      const where = `layer '${layer.name}'`;
      const ctx: LayerContext = { request, capture: cap, layer, input, note: (b, text) => diagnoses[b].notes.push(`${where}: ${text}`) };
      const raw = await this.layerMap(ctx);
      this.diagnoseLayer(ctx, raw, diagnoses);
      // pytorch-grad-cam's scale_cam_image(cam, target_size): scale on the low-res grid, then resize
      const scaled = this.scale(relu(raw), a.height * a.width);
      const up = resizeBilinear(scaled, batch, a.height, a.width, H, W);
      for (let i = 0; i < total.length; i++) total[i] += up[i] / cap.layers.length;
    }
    return { result: { batch, height: H, width: W, maps: this.scale(relu(total), H * W), scores: cap.scores }, diagnoses };
  }

  /**
   * Per item of one layer's raw map (before ReLU): zero non-finite values (noted), and when
   * nothing positive would survive ReLU, or min-max would flatten a constant map, say why.
   */
  private diagnoseLayer(ctx: LayerContext, raw: Float32Array, diagnoses: ItemDiagnosis[]): void {
    const n = mapSize(ctx.layer.activations);
    const where = `layer '${ctx.layer.name}'`;
    for (let b = 0; b < ctx.layer.activations.batch; b++) {
      const bad = zeroNonFinite(raw, b * n, (b + 1) * n);
      if (bad > 0) diagnoses[b].notes.push(`${where}: ${nonFiniteNote(bad, n, 'the raw map')}`);
      const { min, max } = rangeOf(raw, b * n, (b + 1) * n);
      if (!(max > 0)) diagnoses[b].zeroReasons.push(`${where}: ${this.zeroReason(ctx, b, raw.subarray(b * n, (b + 1) * n))}`);
      else if (this.scaling === 'minmax' && min === max) {
        diagnoses[b].zeroReasons.push(`${where}: the map is constant (${fmt(max)} everywhere) and min-max scaling sends a constant map to 0`);
      }
    }
  }

  /**
   * Why item b's raw map `raw` ([h * w], finite) has no positive value. The generic answer
   * looks at the captured activations and gradients; methods know more (their weights).
   */
  protected zeroReason(ctx: LayerContext, b: number, raw: Float32Array): string {
    return layerZeroFacts(ctx.layer, b) ?? `the raw map is <= 0 everywhere (max ${fmt(rangeOf(raw).max)}), so ReLU leaves nothing`;
  }

  private scale(maps: Float32Array, size: number): Float32Array {
    return this.scaling === 'max' ? divideByMax(maps, size) : minMaxNormalize(maps, size);
  }
}

/**
 * Methods defined by one weight per channel: map = sum_k w_k A_k (or, with eigenSmooth, the
 * first principal component of the w_k A_k), as Grad-CAM, Grad-CAM++, XGrad-CAM, Score-CAM,
 * Ablation-CAM and CF-CAM.
 */
export abstract class WeightedCAM extends BaseCAM {
  /** The weights each layer call used, for `zeroReason`. */
  readonly #used = new WeakMap<LayerContext, Float64Array>();

  /** Channel weights [B, K]. */
  protected abstract weights(ctx: LayerContext): Float64Array | Promise<Float64Array>;

  protected async layerMap(ctx: LayerContext): Promise<Float32Array> {
    const a = ctx.layer.activations;
    const w = await this.weights(ctx);
    this.#used.set(ctx, w);
    return weightedMaps(a, w, this.options.eigenSmooth ?? false);
  }

  protected override zeroReason(ctx: LayerContext, b: number, raw: Float32Array): string {
    const facts = layerZeroFacts(ctx.layer, b);
    const w = this.#used.get(ctx);
    if (facts !== undefined || !w) return facts ?? super.zeroReason(ctx, b, raw);
    const K = ctx.layer.activations.channels;
    const { min, max } = rangeOf(w, b * K, (b + 1) * K);
    let positive = 0;
    for (let k = b * K; k < (b + 1) * K; k++) if (w[k] > 0) positive++;
    if (min === 0 && max === 0) return `all ${K} channel weights are 0`;
    const sum = `the weighted channel sum is <= 0 at every position (max ${fmt(rangeOf(raw).max)})`;
    if (positive === 0) return `all ${K} channel weights were <= 0 (largest ${fmt(max)}), and ${sum}`;
    return `${sum} although ${positive} of ${K} channel weights are positive (weights in [${fmt(min)}, ${fmt(max)}])`;
  }
}

/** Facts about a layer that make any map of it zero: no activations, or no gradient reaching it. */
export function layerZeroFacts(layer: CapturedLayer, b: number): string | undefined {
  const per = layer.activations.channels * mapSize(layer.activations);
  const a = rangeOf(layer.activations.data, b * per, (b + 1) * per);
  if (a.min === 0 && a.max === 0) return `the layer's activations are all 0 for this item`;
  if (layer.gradients) {
    const g = rangeOf(layer.gradients.data, b * per, (b + 1) * per);
    if (g.min === 0 && g.max === 0) return `the target's gradient at the layer is 0 everywhere for this item (the target does not depend on the layer here)`;
  }
  return undefined;
}

/** sum_k w[b, k] A[b, k] per item, or the principal projection of the weighted activations. */
export function weightedMaps(a: SpatialMap, w: Float64Array, eigenSmooth: boolean): Float32Array {
  const n = mapSize(a);
  const K = a.channels;
  const out = new Float32Array(a.batch * n);
  for (let b = 0; b < a.batch; b++) {
    if (eigenSmooth) {
      const weighted = new Float32Array(K * n);
      for (let k = 0; k < K; k++) {
        const wk = w[b * K + k];
        const base = (b * K + k) * n;
        for (let p = 0; p < n; p++) weighted[k * n + p] = wk * a.data[base + p];
      }
      out.set(principalProjectionOf(weighted, K, n), b * n);
      continue;
    }
    for (let k = 0; k < K; k++) {
      const wk = w[b * K + k];
      if (wk === 0) continue;
      const base = (b * K + k) * n;
      for (let p = 0; p < n; p++) out[b * n + p] += wk * a.data[base + p];
    }
  }
  return out;
}

/**
 * Maps built position by position from activations and gradients (HiResCAM, element-wise
 * Grad-CAM, LayerCAM, EigenGradCAM): `combine(a, g)` per element, summed over channels, or
 * with eigenSmooth (and for EigenGradCAM always) projected on the first principal component.
 */
export function elementwiseMaps(a: SpatialMap, g: SpatialMap | undefined, combine: (a: number, g: number) => number, project: boolean): Float32Array {
  const n = mapSize(a);
  const K = a.channels;
  const out = new Float32Array(a.batch * n);
  for (let b = 0; b < a.batch; b++) {
    const block = new Float32Array(K * n);
    const base = b * K * n;
    for (let i = 0; i < K * n; i++) block[i] = combine(a.data[base + i], g ? g.data[base + i] : 0);
    if (project) {
      out.set(principalProjectionOf(block, K, n), b * n);
      continue;
    }
    for (let k = 0; k < K; k++) for (let p = 0; p < n; p++) out[b * n + p] += block[k * n + p];
  }
  return out;
}

