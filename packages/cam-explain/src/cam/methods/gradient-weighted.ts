/**
 * The gradient-weighted CAMs: each class only says how gradients and activations become
 * channel weights or a per-position map (formulas as in pytorch-grad-cam).
 */
import { elementwiseMaps, gradientsOf, WeightedCAM, BaseCAM, type LayerContext } from '../base-cam.js';
import { mapSize, type SpatialMap } from '../../spatial.js';

/** Per (item, channel): reduce over positions of f(activation, gradient, channel sums). */
function channelWeights(a: SpatialMap, g: SpatialMap, f: (a: number, g: number, activationSum: number) => number): Float64Array {
  const n = mapSize(a);
  const w = new Float64Array(a.batch * a.channels);
  for (let bk = 0; bk < a.batch * a.channels; bk++) {
    const base = bk * n;
    let activationSum = 0;
    for (let p = 0; p < n; p++) activationSum += a.data[base + p];
    let s = 0;
    for (let p = 0; p < n; p++) s += f(a.data[base + p], g.data[base + p], activationSum);
    w[bk] = s;
  }
  return w;
}

/** Grad-CAM (Selvaraju et al. 2017): w_k = spatial mean of dy/dA_k. */
export class GradCAM extends WeightedCAM {
  readonly name = 'gradcam';
  protected weights({ layer }: LayerContext): Float64Array {
    const n = mapSize(layer.activations);
    return channelWeights(layer.activations, gradientsOf(layer), (_a, g) => g / n);
  }
}

/** Grad-CAM++ (Chattopadhay et al. 2018): positive gradients weighted by the closed-form alphas. */
export class GradCAMPlusPlus extends WeightedCAM {
  readonly name = 'gradcam++';
  protected weights({ layer }: LayerContext): Float64Array {
    return channelWeights(layer.activations, gradientsOf(layer), (_a, g, sumA) => {
      if (g === 0) return 0;
      const g2 = g * g;
      const alpha = g2 / (2 * g2 + sumA * g2 * g + 1e-6);
      return Math.max(g, 0) * alpha;
    });
  }
}

/** XGrad-CAM (Fu et al. 2020): w_k = sum_p g_p A_p / sum_p A_p. */
export class XGradCAM extends WeightedCAM {
  readonly name = 'xgradcam';
  protected weights({ layer }: LayerContext): Float64Array {
    return channelWeights(layer.activations, gradientsOf(layer), (a, g, sumA) => (g * a) / (sumA + 1e-7));
  }
}

/** HiResCAM (Draelos & Carin 2020): sum_k g_k * A_k, position by position. */
export class HiResCAM extends BaseCAM {
  readonly name = 'hirescam';
  protected layerMap({ layer }: LayerContext): Float32Array {
    return elementwiseMaps(layer.activations, gradientsOf(layer), (a, g) => a * g, this.options.eigenSmooth ?? false);
  }
}

/** Element-wise Grad-CAM: sum_k ReLU(g_k * A_k). */
export class GradCAMElementWise extends BaseCAM {
  readonly name = 'gradcam-elementwise';
  protected layerMap({ layer }: LayerContext): Float32Array {
    return elementwiseMaps(layer.activations, gradientsOf(layer), (a, g) => Math.max(0, a * g), this.options.eigenSmooth ?? false);
  }
}

/** LayerCAM (Jiang et al. 2021): sum_k ReLU(g_k) * A_k. */
export class LayerCAM extends BaseCAM {
  readonly name = 'layercam';
  protected layerMap({ layer }: LayerContext): Float32Array {
    return elementwiseMaps(layer.activations, gradientsOf(layer), (a, g) => Math.max(0, g) * a, this.options.eigenSmooth ?? false);
  }
}

/** EigenGradCAM: first principal component of g * A (class-discriminative EigenCAM). */
export class EigenGradCAM extends BaseCAM {
  readonly name = 'eigengradcam';
  protected layerMap({ layer }: LayerContext): Float32Array {
    return elementwiseMaps(layer.activations, gradientsOf(layer), (a, g) => a * g, true);
  }
}

/** EigenCAM (Muhammad & Yeasin 2020): first principal component of the activations; no gradients. */
export class EigenCAM extends BaseCAM {
  readonly name = 'eigencam';
  override readonly usesGradients = false;
  protected layerMap({ layer }: LayerContext): Float32Array {
    return elementwiseMaps(layer.activations, undefined, (a) => a, true);
  }
}
