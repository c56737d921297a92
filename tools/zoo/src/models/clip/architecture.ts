/**
 * shapes-clip: an image/text dual encoder trained contrastively (Radford et al. 2021).
 * The image tower is a ViT on the output of a small convolutional stem (common/conv-stem.ts)
 * whose pooled tokens (the mean of the patch tokens, or the class token) are projected to the
 * joint space; the text tower is the one the grounder uses. CLIP_CONFIG gives both towers the
 * grounder's shapes (8 px patches, 12x12 tokens), so shapes-clip can start from its weights
 * (common/warm-start.ts). Both embeddings are L2-normalised, so
 * logits = exp(scale) * image_embeds . text_embeds^T are scaled cosine similarities.
 *
 * Inputs: pixel_values [B, 3, S, S] in [0, 1] (standardised inside the graph, see
 * common/pixel-norm.ts); input_ids [T, L] int64 (pad id 0).
 * Outputs: image_embeds [B, E], text_embeds [T, E], logits_per_image [B, T].
 */
import { linear, Net, tensor, vitEncoder, type Graph } from '@gradloc/tensor-backend';
import { shapesVocabulary } from '@gradloc/models';
import { convStem, TRAINABLE_TOKEN_INIT, type StemLayer } from '../common/conv-stem.js';
import { normalizePixels } from '../common/pixel-norm.js';
import { l2normalize, textTower, type TextTowerConfig } from '../common/text-tower.js';
import { addAuxPatchLoss } from '../common/aux-patch-loss.js';
import { addPhraseLoss, phraseInputs, withoutPhrases } from './phrase-loss.js';

const SHAPES_VOCAB_SIZE = shapesVocabulary().length;

export interface ClipConfig extends TextTowerConfig {
  readonly imageSize: number;
  readonly patch: number;
  readonly dim: number;
  readonly depth: number;
  readonly heads: number;
  /** Convolutions before the patch embedding (common/conv-stem.ts). */
  readonly stem: readonly StemLayer[];
  /** Image embedding from the class token, or the mean of the patch tokens. */
  readonly pool: 'cls' | 'mean';
}

export const CLIP_CONFIG: ClipConfig = {
  imageSize: 96,
  patch: 8,
  dim: 128,
  depth: 4,
  heads: 4,
  stem: [
    { width: 16, stride: 2 },
    { width: 32, stride: 2 },
  ],
  // the class token, as CLIP: Grad-ECLIP explains the attention into the pooled token, which a
  // mean of the patches mostly bypasses (their own residual streams reach the embedding)
  pool: 'cls',
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
  /** Final-LayerNorm patch tokens [B, P, dim] (class token dropped). */
  readonly patches: string;
  readonly P: number;
  readonly dim: number;
}

export function buildClip(cfg: ClipConfig, seed: number): ClipGraph {
  const net = new Net({ seed }, 'shapes-clip');
  const { b } = net;
  const pixels = b.input('pixel_values', 'float32', ['batch', 3, cfg.imageSize, cfg.imageSize]);
  const ids = b.input('input_ids', 'int64', ['texts', cfg.maxLen]);
  const stem = convStem(net, normalizePixels(net, pixels), cfg.stem, 'vision.');
  const vit = { ...cfg, imageSize: cfg.imageSize / stem.shrink, patch: cfg.patch / stem.shrink, inChannels: stem.channels, layerNorm: 'op', tokenInitStd: TRAINABLE_TOKEN_INIT } as const;
  const { tokens } = vitEncoder(net, stem.output, vit, 'vision.');
  const P = (cfg.imageSize / cfg.patch) ** 2;
  const patches = net.emit.slice(tokens, [1], [P + 1], [1]);
  const pooled =
    cfg.pool === 'cls'
      ? net.op('Gather', [tokens, b.constant(tensor('int64', [], [0]))], { axis: 1 }, 'vision.pooled')
      : net.emit.reduce('ReduceMean', patches, [1], false);
  const img = l2normalize(net, linear(net, pooled, 'vision.proj', { din: cfg.dim, dout: cfg.embed }));
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
  return { graph: net.graph, net, logits, patches, P, dim: cfg.dim };
}

/**
 * Symmetric InfoNCE: image i's caption is text i; the loss averages cross-entropy over images
 * (rows) and over the B captions (columns). Texts past the first B are extra negatives
 * (hard-negatives.ts): they compete in every image's row but have no column, having no image.
 * Extra input: labels [B] int64 (0..B-1).
 */
export function addClipLoss(g: ClipGraph, auxWeight = 0, seed = 0, phraseWeight = 0): string {
  const { b, emit } = g.net;
  const labels = b.input('labels', 'int64', ['batch']);
  // with object phrases (phrase-loss.ts) the last B texts are phrases, outside the caption softmax
  const phrases = phraseWeight > 0 ? phraseInputs(b) : undefined;
  const captions = phrases ? withoutPhrases(b, g.logits, phrases) : g.logits;
  const rows = b.op('SoftmaxCrossEntropyLoss', [captions, labels], { reduction: 'mean' });
  const positives = b.op('Slice', [captions, b.ints([0]), b.op('Shape', [labels]), b.ints([1])]); // [B, B]
  const cols = b.op('SoftmaxCrossEntropyLoss', [emit.transpose(positives, [1, 0]), labels], { reduction: 'mean' });
  b.op('Mul', [b.op('Add', [rows, cols]), g.net.scalar(0.5)], {}, { outputs: ['loss'] });
  b.output('loss', 'float32', []);
  if (auxWeight > 0) addAuxPatchLoss(g.graph, { patches: g.patches, P: g.P, dim: g.dim, weight: auxWeight, loss: 'loss', seed });
  if (phrases) addPhraseLoss(g.graph, { logits: g.logits, phrases, loss: 'loss', weight: phraseWeight });
  return 'loss';
}
