/**
 * shapes-vit: a small ViT (patch tokens + class token) on the shapes-resnet task. 12 px
 * patches give an 8x8 token grid, fine enough for the smallest objects (12 px) and cheap
 * enough for two cores; the class token is classified by a linear head.
 */
import { buildViT } from '@gradloc/tensor-backend';
import { registerModel } from '../zoo/registry.js';
import { SHAPES } from '../data/shapes/index.js';
import { SHAPES_IMAGE_SIZE, shapesClassifier } from './shapes-classifier.js';

const VIT = { patch: 12, dim: 128, depth: 4, heads: 4, mlpRatio: 4 } as const;
const GRID = SHAPES_IMAGE_SIZE / VIT.patch;
const LAST_BLOCK = `blocks.${VIT.depth - 1}`;

registerModel(
  shapesClassifier({
    name: 'shapes-vit',
    summary: 'ViT (12 px patches, class token) classifying the shape of the largest object',
    architecture: `ViT: ${VIT.patch}x${VIT.patch} patch embedding (${GRID}x${GRID} tokens) + class token + learned position embedding, ${VIT.depth} pre-LN blocks (dim ${VIT.dim}, ${VIT.heads} heads, MLP ${VIT.mlpRatio}x, GELU), final LayerNorm, linear head on the class token to ${SHAPES.length} classes`,
    build: (seed) => buildViT({ ...VIT, imageSize: SHAPES_IMAGE_SIZE, classes: SHAPES.length, layerNorm: 'op', seed }),
    camLayers: [LAST_BLOCK],
    preprocessing: {
      camTokens: {
        layer: LAST_BLOCK,
        dims: ['batch', 1 + GRID * GRID, VIT.dim],
        prefixTokens: 1,
        grid: [GRID, GRID],
        patch: VIT.patch,
        reshape: `drop the first token (class token), reshape the remaining ${GRID * GRID} row-major to [batch, ${GRID}, ${GRID}, ${VIT.dim}]`,
      },
    },
    seed: 0,
    steps: 6000,
    batch: 32,
    peakLr: 1e-3,
    curriculum: { fraction: 0.1, scenes: { maxObjects: 1 }, description: 'one object per scene' },
    warmupFraction: 0.05,
    weightDecay: 0.05,
    noDecay: /bias$|norm\d*\.weight$|cls_token$|pos_embed$/,
    clipNorm: 1,
    evalSamples: 2000,
  }),
);
