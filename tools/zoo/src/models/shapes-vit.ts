/**
 * shapes-vit: a small ViT (patch tokens + class token) on the shapes-resnet task. The patch
 * embedding reads the output of a convolutional stem (common/conv-stem.ts), a hybrid ViT in
 * the sense of Dosovitskiy et al.; one token per 12x12 pixel patch, an 8x8 token grid, fine
 * enough for the smallest objects (12 px) and cheap enough for two cores. The class token is
 * classified by a linear head.
 */
import { linear, Net, tensor, vitEncoder, type Graph } from '@gradloc/tensor-backend';
import { registerModel } from '../zoo/registry.js';
import { SHAPES } from '@gradloc/models';
import { SHAPES_IMAGE_SIZE, shapesClassifier, type ShapesClassifierRecipe } from './shapes-classifier.js';
import { convStem, describeStem, TRAINABLE_TOKEN_INIT, type StemLayer } from './common/conv-stem.js';
import { vitCamTokens } from './common/cam-tokens.js';

export interface ShapesViTConfig {
  readonly stem: readonly StemLayer[];
  /** Pixels per token side, in input pixels. */
  readonly patch: number;
  readonly dim: number;
  readonly depth: number;
  readonly heads: number;
  readonly mlpRatio: number;
  /** Weight of the training-only patch-token supervision (common/aux-patch-loss.ts; 0 = none). */
  readonly auxWeight?: number;
}

export const SHAPES_VIT_CONFIG: ShapesViTConfig = {
  stem: [
    { width: 32, stride: 2 },
    { width: 32, stride: 1 },
    { width: 64, stride: 2 },
  ],
  patch: 12,
  dim: 128,
  depth: 4,
  heads: 4,
  mlpRatio: 4,
  // Tried and not adopted (zoo README, "Experiments"): the two-layer stem [16/s2, 32/s2]
  // (30% cheaper per step; 8000 steps would not fit in 30 min), and auxWeight 1 with it
  // (1500 steps: 0.412 vs 0.360 without; 7000 steps: 0.8815, below this recipe's 0.8915)
};

/** Forward graph `input` [batch, 3, 96, 96] (standardised pixels) -> `logits` [batch, classes]. */
export function buildShapesViT(cfg: ShapesViTConfig, seed: number): Graph {
  const net = new Net({ seed }, 'shapes-vit');
  const { b } = net;
  const input = b.input('input', 'float32', ['batch', 3, SHAPES_IMAGE_SIZE, SHAPES_IMAGE_SIZE]);
  const stem = convStem(net, input, cfg.stem, '');
  const vit = { ...cfg, imageSize: SHAPES_IMAGE_SIZE / stem.shrink, patch: cfg.patch / stem.shrink, inChannels: stem.channels, layerNorm: 'op', tokenInitStd: TRAINABLE_TOKEN_INIT } as const;
  const { tokens } = vitEncoder(net, stem.output, vit);
  const cls = net.op('Gather', [tokens, b.constant(tensor('int64', [], [0]))], { axis: 1 }, 'pooled');
  b.op('Identity', [linear(net, cls, 'head', { din: cfg.dim, dout: SHAPES.length })], {}, { outputs: ['logits'] });
  b.output('logits', 'float32', ['batch', SHAPES.length]);
  return net.graph;
}

/** The shapes-vit recipe for a configuration (the registered model uses SHAPES_VIT_CONFIG). */
export function shapesViTRecipe(cfg: ShapesViTConfig, name = 'shapes-vit'): ShapesClassifierRecipe {
  const grid = SHAPES_IMAGE_SIZE / cfg.patch;
  const camTokens = vitCamTokens('', cfg.depth, grid, cfg.dim, cfg.patch);
  return {
    name,
    summary: 'hybrid ViT (conv stem, 12 px patch tokens, class token) classifying the shape of the largest object',
    architecture: `${describeStem(cfg.stem)}, then ViT: ${cfg.patch}x${cfg.patch}-pixel patches (${grid}x${grid} tokens) + class token + learned position embedding, ${cfg.depth} pre-LN blocks (dim ${cfg.dim}, ${cfg.heads} heads, MLP ${cfg.mlpRatio}x, GELU), final LayerNorm, linear head on the class token to ${SHAPES.length} classes`,
    build: (seed) => buildShapesViT(cfg, seed),
    camLayers: [camTokens.layer],
    preprocessing: { camTokens },
    seed: 0,
    // 6500 steps (27m35s on two cores with prefetch; the stem costs about as much as the transformer);
    // 5000 gave 0.8535, 6000 gave 0.8915. 20% of the run is one-object scenes: the ViT leaves chance there
    steps: 6500,
    batch: 32,
    // at 1e-3 (shapes-resnet's order) the loss sat at ln 6 through 750 one-object steps and
    // only fell once a short run's cosine had decayed the rate: transformers at batch 32 want less
    peakLr: 3e-4,
    curriculum: { fraction: 0.2, scenes: { maxObjects: 1 }, description: 'one object per scene' },
    warmupFraction: 0.05,
    weightDecay: 0.05,
    noDecay: /bias$|norm\d*\.weight$|bn\.weight$|cls_token$|pos_embed$/,
    clipNorm: 1,
    evalSamples: 2000,
    zeroInit: ['head.weight', 'head.bias'],
    // vitEncoder's final LayerNorm output: [B, 1 + grid^2, dim], class token first
    ...(cfg.auxWeight ? { aux: { weight: cfg.auxWeight, tokens: 'norm', prefixTokens: 1, grid, dim: cfg.dim } } : {}),
  };
}

registerModel(shapesClassifier(shapesViTRecipe(SHAPES_VIT_CONFIG)));
