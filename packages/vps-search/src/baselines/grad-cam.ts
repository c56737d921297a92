/**
 * The gradient baseline: Grad-CAM of the box score (cam-explain's boxTarget: max IoU x
 * sigmoid(logit) of the target query) on a layer of an ONNX grounder, the way Grad-CAM is
 * commonly applied to detectors.
 */
import { boxTarget, createMethod, type LayerSpec } from '@gradloc/cam-explain';
import { tensor, type PlanarImage } from '@gradloc/tensor-backend';
import type { DetectionTarget } from '../detector/types.js';
import type { OnnxGrounder } from '../detector/onnx-grounder.js';

export interface GradCamBaseline {
  /** [height * width] in [0, 1]. */
  readonly map: Float32Array;
  /** The box score on the unmasked image. */
  readonly score: number;
  readonly ms: number;
}

export async function boxGradCam(grounder: OnnxGrounder, image: PlanarImage, target: DetectionTarget, layer: LayerSpec): Promise<GradCamBaseline> {
  const t0 = performance.now();
  const feeds = grounder.feeds(tensor('float32', [1, 3, image.height, image.width], image.data), target.query);
  const cam = await createMethod('gradcam').explain({
    model: grounder.model,
    feeds,
    target: boxTarget({ logits: grounder.logitsName, boxes: grounder.boxesName, query: 0, box: target.box }),
    layers: [layer],
    input: grounder.pixelName,
  });
  return { map: cam.maps.slice(0, image.height * image.width), score: cam.scores[0], ms: performance.now() - t0 };
}
