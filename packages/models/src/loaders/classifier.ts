/**
 * Opens an image classifier with what its card says about using it: the input and output
 * names, the labels, the suggested CAM layer and the image preprocessing (size, mean/std),
 * so callers (the dashboard's explanations, the reports) do not parse cards themselves.
 */
import { GradlocError, OnnxModel, type Tensor } from '@gradloc/tensor-backend';
import { readCard, type Card } from '../card.js';
import { kindOf } from '../catalog.js';
import { imagePreprocessing, prepareImages, type ImagePreprocessing } from '../preprocessing/image.js';
import type { LoadOptions } from './load-options.js';
import { resolveModel } from './resolve.js';

export interface OpenedClassifier {
  readonly name: string;
  readonly model: OnnxModel;
  readonly card: Card;
  /** The image input's name (the card's first input). */
  readonly input: string;
  /** The logits output's name (the card's first output). */
  readonly output: string;
  readonly labels: readonly string[];
  /** The card's suggested CAM layers (may be empty). */
  readonly camLayers: readonly string[];
  readonly preprocessing: ImagePreprocessing;
  /** [N, 3, size, size] pixels in [0, 1] -> the model's input tensor. */
  readonly prepare: (images: Tensor<'float32'>) => Tensor<'float32'>;
}

/** A classifier from a name in the models folder, a model folder or an .onnx file with card.json beside it. */
export function openClassifier(spec: string, opts: LoadOptions = {}): OpenedClassifier {
  const { name, file, dir } = resolveModel(spec, opts);
  const card = readCard(dir);
  const kind = kindOf(card);
  if (kind !== 'classifier') throw new GradlocError('BAD_INPUT', `${name} is ${kind ? `a ${kind}` : 'of no known kind'}, not a classifier (its card has no labels)`);
  const preprocessing = imagePreprocessing(card);
  return {
    name,
    model: OnnxModel.load(file, opts.runtime ?? {}),
    card,
    input: card.inputs[0].name,
    output: card.outputs[0].name,
    labels: card.labels ?? [],
    camLayers: card.camLayers ?? [],
    preprocessing,
    prepare: (images) => prepareImages(images, preprocessing),
  };
}
