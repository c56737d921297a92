/**
 * shapes-clip: an image/text dual encoder trained contrastively (Radford et al. 2021).
 * The image tower is a ViT whose class token is projected to the joint space; the text
 * tower is the one the grounder uses. The ViT patchifies the output of a small convolutional
 * stem rather than raw pixels (`stem`), still one token per 12x12 pixel patch. Both embeddings are L2-normalised, so
 * logits = exp(scale) * image_embeds . text_embeds^T are scaled cosine similarities.
 *
 * Inputs: pixel_values [B, 3, S, S] in [0, 1] (standardised inside the graph, see
 * common/pixel-norm.ts); input_ids [T, L] int64 (pad id 0).
 * Outputs: image_embeds [B, E], text_embeds [T, E], logits_per_image [B, T].
 */
import { conv2d, linear, Net, tensor, vitEncoder, type Graph } from '@gradloc/tensor-backend';
import { shapesVocabulary } from '../../data/shapes/index.js';
import { normalizePixels } from '../common/pixel-norm.js';
import { l2normalize, textTower, type TextTowerConfig } from '../common/text-tower.js';

const SHAPES_VOCAB_SIZE = shapesVocabulary().length;

export interface ClipConfig extends TextTowerConfig {
  readonly imageSize: number;
  readonly patch: number;
  readonly dim: number;
  readonly depth: number;
  readonly heads: number;
  /**
   * Widths of 3x3 stride-2 convolutions (ReLU) before the patch embedding, an early-conv stem
   * (Xiao et al. 2021, "Early convolutions help transformers see better"). With raw-pixel
   * patches the ViT learned colours within 100 steps but after 600 still told a ring from a
   * circle or a cross little better than chance; overlapping convolutions give each token
   * local edge features that do not depend on where the patch grid cuts an object. Each conv
   * halves the resolution, so the ViT patch shrinks by the same factor and the token grid
   * (imageSize / patch) stays the same. Narrow (16, 32) to cost ~5% of a step.
   */
  readonly stem: readonly number[];
}

export const CLIP_CONFIG: ClipConfig = {
  imageSize: 96,
  patch: 12,
  dim: 128,
  depth: 4,
  heads: 4,
  stem: [16, 32],
  embed: 64,
  textDim: 64,
  textDepth: 2,
  textHeads: 2,
  vocab: SHAPES_VOCAB_SIZE,
  maxLen: 16, // <bos> + caption (<= 13 words) + <eos>, padded
};

export interface ClipGraph {
  readonly graph: Graph;
  readonly net: Net;
  readonly logits: string;
}

export function buildClip(cfg: ClipConfig, seed: number): ClipGraph {
  const net = new Net({ seed }, 'shapes-clip');
  const { b } = net;
  const pixels = b.input('pixel_values', 'float32', ['batch', 3, cfg.imageSize, cfg.imageSize]);
  const ids = b.input('input_ids', 'int64', ['texts', cfg.maxLen]);
  let x = normalizePixels(net, pixels);
  let channels = 3;
  cfg.stem.forEach((width, i) => {
    const conv = conv2d(net, x, `vision.stem.${i}`, { cin: channels, cout: width, k: 3, stride: 2, pad: 1 });
    x = net.op('Relu', [conv], {}, `vision.stem.${i}.relu`);
    channels = width;
  });
  const shrink = 2 ** cfg.stem.length;
  const vit = { ...cfg, imageSize: cfg.imageSize / shrink, patch: cfg.patch / shrink, inChannels: channels, layerNorm: 'op' } as const;
  const { tokens } = vitEncoder(net, x, vit, 'vision.');
  const cls = net.op('Gather', [tokens, b.constant(tensor('int64', [], [0]))], { axis: 1 }, 'vision.pooled');
  const img = l2normalize(net, linear(net, cls, 'vision.proj', { din: cfg.dim, dout: cfg.embed }));
  b.op('Identity', [img], {}, { outputs: ['image_embeds'] });
  b.output('image_embeds', 'float32', ['batch', cfg.embed]);
  const txt = textTower(net, ids, cfg);
  b.op('Identity', [txt], {}, { outputs: ['text_embeds'] });
  b.output('text_embeds', 'float32', ['texts', cfg.embed]);
  // Shape [1], not a scalar: the Trainer only trains initializers of rank >= 1. The learned
  // log-temperature is capped at ln 100 as in CLIP, so the logits cannot grow without bound.
  const logScale = net.param('logit_scale', tensor('float32', [1], [Math.log(1 / 0.07)]));
  const scale = b.op('Exp', [b.op('Min', [logScale, net.scalar(Math.log(100))])]);
  const logits = b.op('Mul', [b.op('MatMul', [img, net.emit.transpose(txt, [1, 0])]), scale], {}, { outputs: ['logits_per_image'] });
  b.output('logits_per_image', 'float32', ['batch', 'texts']);
  return { graph: net.graph, net, logits };
}

/**
 * Symmetric InfoNCE: image i's caption is text i; the loss averages cross-entropy over images
 * (rows) and over the B captions (columns). Texts past the first B are extra negatives
 * (hard-negatives.ts): they compete in every image's row but have no column, having no image.
 * Extra input: labels [B] int64 (0..B-1).
 */
export function addClipLoss(g: ClipGraph): string {
  const { b, emit } = g.net;
  const labels = b.input('labels', 'int64', ['batch']);
  const rows = b.op('SoftmaxCrossEntropyLoss', [g.logits, labels], { reduction: 'mean' });
  const positives = b.op('Slice', [g.logits, b.ints([0]), b.op('Shape', [labels]), b.ints([1])]); // [B, B]
  const cols = b.op('SoftmaxCrossEntropyLoss', [emit.transpose(positives, [1, 0]), labels], { reduction: 'mean' });
  b.op('Mul', [b.op('Add', [rows, cols]), g.net.scalar(0.5)], {}, { outputs: ['loss'] });
  b.output('loss', 'float32', []);
  return 'loss';
}
