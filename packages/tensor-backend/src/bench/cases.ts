/** The benchmarked models: sizes of real deployments, batch 1, weights as initializers. */
import type { Graph } from '../ir/graph.js';
import { buildGPT } from '../models/gpt.js';
import { buildResNet } from '../models/resnet.js';
import { buildViT } from '../models/vit.js';
import { sampleFeeds } from '../models/feeds.js';
import type { Tensor } from '../tensor/tensor.js';

export interface BenchCase {
  readonly id: string;
  readonly title: string;
  readonly build: () => Graph;
  readonly feeds: (g: Graph) => Record<string, Tensor>;
  /** Forward output the target lives in. */
  readonly output: 'logits' | 'loss';
  /** 'top-logit': the largest logit of image 0 (a class score, as CAM uses); 'loss': the scalar. */
  readonly target: 'top-logit' | 'loss';
  /** The "input" gradient: the image, or the token embeddings (ids are integers). */
  readonly inputWrt: string;
  /** Only time compilation (the ResNet-50 compile target). */
  readonly compileOnly?: boolean;
  /** Limit on f+b(input) / fwd when it differs from TARGETS.maxRatio (report.ts). */
  readonly inputLimit?: number;
}

const image = (g: Graph): Record<string, Tensor> => sampleFeeds(g, 1, { dims: { batch: 1 } });

export const CASES: readonly BenchCase[] = [
  {
    id: 'resnet18-64',
    title: 'ResNet-18 64x64',
    build: () => buildResNet({ depth: 18, imageSize: 64, classes: 1000, seed: 1 }),
    feeds: image,
    output: 'logits',
    target: 'top-logit',
    inputWrt: 'input',
  },
  {
    id: 'resnet18-224',
    title: 'ResNet-18 224x224',
    build: () => buildResNet({ depth: 18, imageSize: 224, classes: 1000, seed: 1 }),
    feeds: image,
    output: 'logits',
    target: 'top-logit',
    inputWrt: 'input',
  },
  // Small models, where the backward's fixed costs (MaxPool backward, ReLU masks, layout
  // copies) weigh most: half width (32 channels in the first stage instead of 64), a class
  // logit w.r.t. the image.
  {
    id: 'resnet18h-64',
    title: 'ResNet-18 half width 64x64',
    build: () => buildResNet({ depth: 18, imageSize: 64, classes: 1000, seed: 1, channels: 32 }),
    feeds: image,
    output: 'logits',
    target: 'top-logit',
    inputWrt: 'input',
    inputLimit: 3,
  },
  {
    id: 'resnet18h-224',
    title: 'ResNet-18 half width 224x224',
    build: () => buildResNet({ depth: 18, imageSize: 224, classes: 1000, seed: 1, channels: 32 }),
    feeds: image,
    output: 'logits',
    target: 'top-logit',
    inputWrt: 'input',
    inputLimit: 2.5,
  },
  {
    // ViT-Ti/16 (timm vit_tiny_patch16_224): 197 tokens, dim 192, 12 blocks, 3 heads
    id: 'vit-ti16-224',
    title: 'ViT-Ti/16 224 (d192 x12)',
    build: () => buildViT({ imageSize: 224, patch: 16, dim: 192, depth: 12, heads: 3, classes: 1000, seed: 1 }),
    feeds: image,
    output: 'logits',
    target: 'top-logit',
    inputWrt: 'input',
  },
  {
    id: 'gpt-5k-128',
    title: 'GPT v5000 T128 d256 x4',
    build: () => buildGPT({ vocab: 5000, context: 128, dim: 256, depth: 4, heads: 4, seed: 1, withLoss: true }),
    feeds: (g) => sampleFeeds(g, 1, { dims: { batch: 1, seq: 128 } }),
    output: 'loss',
    target: 'loss',
    inputWrt: 'tok_emb',
  },
  {
    id: 'resnet50-224',
    title: 'ResNet-50 224x224',
    build: () => buildResNet({ depth: 50, imageSize: 224, classes: 1000, seed: 1 }),
    feeds: image,
    output: 'logits',
    target: 'top-logit',
    inputWrt: 'input',
    compileOnly: true,
  },
];
