/** Every explanation method by its CLI name. */
import { GradlocError } from '@gradloc/tensor-backend';
import type { CamMethod, CamOptions } from './cam/base-cam.js';
import { CFCAM, type CfCamOptions } from './cam/methods/cf-cam.js';
import { FullGrad } from './cam/methods/full-grad.js';
import { EigenCAM, EigenGradCAM, GradCAM, GradCAMElementWise, GradCAMPlusPlus, HiResCAM, LayerCAM, XGradCAM } from './cam/methods/gradient-weighted.js';
import { AblationCAM, ScoreCAM, type ScoreCamOptions } from './cam/methods/perturbation.js';
import { GuidedBackprop, InputXGradient, IntegratedGradients, Saliency, SmoothGrad } from './attribution/methods.js';

export interface MethodOptions extends CamOptions, CfCamOptions, Pick<ScoreCamOptions, 'upsample'> {
  /** Perturbed copies per forward/backward pass (Score-CAM, Ablation-CAM, IG, SmoothGrad). */
  readonly batchSize?: number;
  /** Integrated Gradients path points. */
  readonly steps?: number;
  /** SmoothGrad samples. */
  readonly samples?: number;
}

const FACTORIES = {
  gradcam: (o: MethodOptions) => new GradCAM(o),
  hirescam: (o: MethodOptions) => new HiResCAM(o),
  'gradcam-elementwise': (o: MethodOptions) => new GradCAMElementWise(o),
  'gradcam++': (o: MethodOptions) => new GradCAMPlusPlus(o),
  xgradcam: (o: MethodOptions) => new XGradCAM(o),
  layercam: (o: MethodOptions) => new LayerCAM(o),
  eigencam: (o: MethodOptions) => new EigenCAM(o),
  eigengradcam: (o: MethodOptions) => new EigenGradCAM(o),
  scorecam: (o: MethodOptions) => new ScoreCAM(o),
  ablationcam: (o: MethodOptions) => new AblationCAM(o),
  fullgrad: () => new FullGrad(),
  cfcam: (o: MethodOptions) => new CFCAM(o),
  saliency: (o: MethodOptions) => new Saliency(o),
  inputxgradient: (o: MethodOptions) => new InputXGradient(o),
  integratedgradients: (o: MethodOptions) => new IntegratedGradients(o),
  smoothgrad: (o: MethodOptions) => new SmoothGrad(o),
  guidedbackprop: (o: MethodOptions) => new GuidedBackprop(o),
} satisfies Record<string, (o: MethodOptions) => CamMethod>;

export type MethodName = keyof typeof FACTORIES;

export const METHOD_NAMES = Object.keys(FACTORIES) as MethodName[];

/** Methods that read a target layer (the rest work on the input or find their layers). */
export const LAYER_METHODS: readonly MethodName[] = ['gradcam', 'hirescam', 'gradcam-elementwise', 'gradcam++', 'xgradcam', 'layercam', 'eigencam', 'eigengradcam', 'scorecam', 'ablationcam', 'cfcam'];

export function isMethodName(name: string): name is MethodName {
  return Object.hasOwn(FACTORIES, name);
}

export function createMethod(name: string, options: MethodOptions = {}): CamMethod {
  if (!isMethodName(name)) throw new GradlocError('BAD_INPUT', `unknown method '${name}' (methods: ${METHOD_NAMES.join(', ')})`);
  return FACTORIES[name](options);
}
