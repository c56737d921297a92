/**
 * Input-gradient attributions: a signed attribution per input element [C, H, W], reduced over
 * channels to one map and min-max scaled like the CAMs, so every method can be compared with
 * the same metrics. They ignore the request's layers.
 *
 * Channel reduction: 'absmax' (max over channels of |a|, the saliency-map convention of
 * Simonyan et al.) or 'abssum' (|sum over channels of a|, for attributions that add up to the
 * score such as Input x Gradient and Integrated Gradients).
 */
import { minMaxNormalize } from '../image/normalize.js';
import { perturbedInputGradients } from '../perturb.js';
import { withOutputs } from '../capture.js';
import { imageInput, type CamMethod, type CamResult, type ExplainRequest } from '../cam/base-cam.js';
import { fmt, newDiagnoses, nonFiniteNote, rangeOf, resultWarnings, zeroNonFinite } from '../cam/warnings.js';
import type { RuleOverrides } from '@gradloc/tensor-backend';

export interface AttributionOptions {
  /** Copies per backward pass (default 16). */
  readonly batchSize?: number;
}

export type ChannelReduction = 'absmax' | 'abssum';

export interface ItemContext {
  readonly request: ExplainRequest;
  readonly input: string;
  readonly b: number;
  /** The item's image [C, H, W]. */
  readonly image: Float32Array;
  /** Gradients of the item's target for `count` copies made by `fill`. */
  gradients(count: number, fill: (i: number, dst: Float32Array, src: Float32Array) => void, overrides?: RuleOverrides, overridesKey?: string): Promise<Float32Array>;
  /** The mean of those gradients over the `count` copies, [C, H, W]. */
  meanGradient(count: number, fill: (i: number, dst: Float32Array, src: Float32Array) => void): Promise<Float32Array>;
}

export abstract class InputAttribution implements CamMethod {
  abstract readonly name: string;
  protected abstract readonly reduction: ChannelReduction;

  constructor(readonly options: AttributionOptions = {}) {}

  /** Signed attribution of one item, [C, H, W]. */
  protected abstract attribute(ctx: ItemContext): Promise<Float32Array>;

  async explain(request: ExplainRequest): Promise<CamResult> {
    const { name: input, tensor: image } = imageInput(request.model, request.feeds, request.input);
    const [B, C, H, W] = image.dims;
    // the target's choices ('auto' classes) come from the unmodified batch
    const read = [...new Set([request.target.output, ...(request.target.reads ?? [])])];
    const outputs = await withOutputs(request.model, read, request.feeds).run(request.feeds, read);
    const frozen = request.target.freeze(outputs);
    const maps = new Float32Array(B * H * W);
    const per = C * H * W;
    const diagnoses = newDiagnoses(B);
    for (let b = 0; b < B; b++) {
      const gradients: ItemContext['gradients'] = (count, fill, overrides, overridesKey) =>
        perturbedInputGradients({ model: request.model, feeds: request.feeds, input, target: frozen, batchSize: this.options.batchSize ?? 16, overrides, overridesKey }, b, count, fill);
      const ctx: ItemContext = {
        request,
        input,
        b,
        image: Float32Array.from(image.data.subarray(b * per, (b + 1) * per) as ArrayLike<number>),
        gradients,
        async meanGradient(count, fill) {
          const g = await gradients(count, fill);
          const mean = new Float32Array(per);
          for (let s = 0; s < count; s++) for (let j = 0; j < per; j++) mean[j] += g[s * per + j] / count;
          return mean;
        },
      };
      const a = await this.attribute(ctx);
      const reduced = reduceChannels(a, C, H * W, this.reduction);
      const bad = zeroNonFinite(reduced);
      if (bad > 0) diagnoses[b].notes.push(nonFiniteNote(bad, H * W, 'the attribution'));
      const { min, max } = rangeOf(reduced);
      // min-max sends a constant map (all zeros included) to 0
      if (min === max) {
        diagnoses[b].zeroReasons.push(
          max === 0 ? `the attribution is 0 at every pixel (e.g. the target's gradient w.r.t. the input is 0 for this item)` : `the attribution is constant (${fmt(max)} at every pixel) and min-max scaling sends a constant map to 0`,
        );
      }
      maps.set(reduced, b * H * W);
    }
    const scores = frozen.score(outputs);
    minMaxNormalize(maps, H * W);
    return { batch: B, height: H, width: W, maps, scores, warnings: resultWarnings(this.name, maps, B, H * W, diagnoses) };
  }
}

export function reduceChannels(a: Float32Array, C: number, n: number, how: ChannelReduction): Float32Array {
  const out = new Float32Array(n);
  for (let p = 0; p < n; p++) {
    let v = 0;
    for (let c = 0; c < C; c++) v = how === 'absmax' ? Math.max(v, Math.abs(a[c * n + p])) : v + a[c * n + p];
    out[p] = how === 'absmax' ? v : Math.abs(v);
  }
  return out;
}

/** Copy of the image, unchanged. */
export const same = (_i: number, dst: Float32Array, src: Float32Array): void => dst.set(src);
