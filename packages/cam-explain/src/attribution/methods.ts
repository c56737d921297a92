/**
 * The input attributions, each only its recipe for gradients of modified copies.
 */
import { normal, rng, type RuleOverrides } from '@gradloc/tensor-backend';
import { InputAttribution, same, type AttributionOptions, type ChannelReduction, type ItemContext } from './input-attribution.js';
import { guidedReluOverrides } from './guided-relu.js';

/** Saliency (Simonyan et al. 2014): max over channels of |d score / d x|. */
export class Saliency extends InputAttribution {
  readonly name = 'saliency';
  protected readonly reduction: ChannelReduction = 'absmax';
  protected attribute(ctx: ItemContext): Promise<Float32Array> {
    return ctx.gradients(1, same);
  }
}

/** Input x Gradient (Shrikumar et al. 2016): x * d score / d x. */
export class InputXGradient extends InputAttribution {
  readonly name = 'inputxgradient';
  protected readonly reduction: ChannelReduction = 'abssum';
  protected async attribute(ctx: ItemContext): Promise<Float32Array> {
    const g = await ctx.gradients(1, same);
    return g.map((v, i) => v * ctx.image[i]);
  }
}

export interface IntegratedGradientsOptions extends AttributionOptions {
  /** Path points (default 32). */
  readonly steps?: number;
  /** Baseline value of every input element (default 0: black for [0, 1] pixels). */
  readonly baseline?: number;
}

/**
 * Integrated Gradients (Sundararajan et al. 2017): (x - x') times the mean gradient along the
 * straight path from the baseline x' to x, by the midpoint rule (alpha = (i + 0.5) / steps);
 * the attributions then sum to about score(x) - score(x').
 */
export class IntegratedGradients extends InputAttribution {
  readonly name = 'integratedgradients';
  protected readonly reduction: ChannelReduction = 'abssum';
  constructor(override readonly options: IntegratedGradientsOptions = {}) {
    super(options);
  }
  protected async attribute(ctx: ItemContext): Promise<Float32Array> {
    const steps = this.options.steps ?? 32;
    const base = this.options.baseline ?? 0;
    const mean = await ctx.meanGradient(steps, (i, dst, src) => {
      const alpha = (i + 0.5) / steps;
      for (let j = 0; j < dst.length; j++) dst[j] = base + alpha * (src[j] - base);
    });
    return mean.map((g, j) => g * (ctx.image[j] - base));
  }
}

export interface SmoothGradOptions extends AttributionOptions {
  /** Noisy copies (default 25). */
  readonly samples?: number;
  /** Noise std as a fraction of the item's input range (default 0.15, as in the paper). */
  readonly noise?: number;
  readonly seed?: number;
}

/** SmoothGrad (Smilkov et al. 2017): the gradient averaged over Gaussian-noised copies, shown as saliency. */
export class SmoothGrad extends InputAttribution {
  readonly name = 'smoothgrad';
  protected readonly reduction: ChannelReduction = 'absmax';
  constructor(override readonly options: SmoothGradOptions = {}) {
    super(options);
  }
  protected async attribute(ctx: ItemContext): Promise<Float32Array> {
    const n = this.options.samples ?? 25;
    let lo = Infinity;
    let hi = -Infinity;
    for (const v of ctx.image) {
      lo = Math.min(lo, v);
      hi = Math.max(hi, v);
    }
    const sigma = (this.options.noise ?? 0.15) * (hi - lo);
    const rand = rng((this.options.seed ?? 0) + ctx.b);
    return ctx.meanGradient(n, (_i, dst, src) => {
      for (let j = 0; j < dst.length; j++) dst[j] = src[j] + sigma * normal(rand);
    });
  }
}

/**
 * Guided backpropagation (Springenberg et al. 2015): the input gradient with every ReLU's
 * backward rule replaced, through the engine's per-call rule overrides, by one that also
 * drops negative incoming gradients. The model and the engine's own rules are untouched.
 */
export class GuidedBackprop extends InputAttribution {
  readonly name = 'guidedbackprop';
  protected readonly reduction: ChannelReduction = 'absmax';
  protected attribute(ctx: ItemContext): Promise<Float32Array> {
    const overrides: RuleOverrides = guidedReluOverrides;
    return ctx.gradients(1, same, overrides, 'guided-relu');
  }
}
