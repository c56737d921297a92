/**
 * An early-convolution stem for the shapes ViTs (Xiao et al. 2021, "Early convolutions help
 * transformers see better"; the hybrid ViT of Dosovitskiy et al. 2021 is the deeper version).
 * With raw-pixel patches our ViTs learned colours within 100 steps but after several hundred
 * still told a ring from a circle or a cross hardly better than chance: a linear patch
 * embedding sees an object cut by the patch grid at a different place in every scene.
 * Overlapping 3x3 convolutions give each token local edge features that do not depend on
 * where the grid falls. Each stride-2 layer halves the resolution, so the ViT's patch shrinks
 * by the same factor and its token grid (imageSize / patch) is unchanged.
 */
import { batchNorm, conv2d, type Net } from '@gradloc/tensor-backend';

export interface StemLayer {
  readonly width: number;
  readonly stride: 1 | 2;
}

export interface Stem {
  /** [B, channels, S / shrink, S / shrink] */
  readonly output: string;
  readonly channels: number;
  /** Product of the strides. */
  readonly shrink: number;
}

/**
 * 3x3 convolutions (padding 1), each followed by BatchNormalization and ReLU, named
 * `${prefix}stem.${i}` (the conv), `.bn`, `.relu`. BatchNorm is what gets the stem off the
 * ground: without it the ViT sat at chance for 600 steps with or without the convolutions.
 * Training uses batch statistics (@gradloc/tensor-backend training/batch-norm.ts).
 */
export function convStem(net: Net, x: string, layers: readonly StemLayer[], prefix: string, inChannels = 3): Stem {
  let output = x;
  let channels = inChannels;
  let shrink = 1;
  layers.forEach(({ width, stride }, i) => {
    const name = `${prefix}stem.${i}`;
    const conv = conv2d(net, output, name, { cin: channels, cout: width, k: 3, stride, pad: 1, bias: false });
    output = net.op('Relu', [batchNorm(net, conv, `${name}.bn`, width)], {}, `${name}.relu`);
    channels = width;
    shrink *= stride;
  });
  return { output, channels, shrink };
}

/** One line for a model card. */
export const describeStem = (layers: readonly StemLayer[]): string =>
  `${layers.length} 3x3 conv + BatchNorm + ReLU stem (${layers.map((l) => `${l.width}${l.stride === 2 ? '/s2' : ''}`).join(', ')})`;

/**
 * Init std of a trained ViT's class token and position embedding (timm's 0.02, vs the
 * model builders' test defaults of 1 and 0.5; see ViTOptions.tokenInitStd). The shapes
 * classifier and dual encoder read the class token, which with the large defaults stayed at
 * chance; the grounder reads the patch tokens and was trained with the defaults.
 */
export const TRAINABLE_TOKEN_INIT = { cls: 0.02, pos: 0.02 } as const;
