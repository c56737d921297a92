/** The training benchmark's models: a small GPT language model and a small ResNet classifier. */
import type { Graph } from '../ir/graph.js';
import { sampleFeeds } from '../models/feeds.js';
import { buildGPT } from '../models/gpt.js';
import { buildResNet } from '../models/resnet.js';
import type { Feeds } from '../runtime/model.js';
import { addClassificationLoss } from '../training/classification-loss.js';

export interface TrainCase {
  readonly id: string;
  readonly title: string;
  readonly build: () => Graph;
  /** One batch (reused every step: throughput does not depend on the values). */
  readonly batch: (g: Graph) => Feeds;
  /** Samples per batch, and what a sample is. */
  readonly samples: number;
  readonly unit: 'seq' | 'img';
  /** Tokens per batch (language models). */
  readonly tokens?: number;
}

export const TRAIN_CASES: readonly TrainCase[] = [
  {
    // the size of the brown-gpt demo: 8k BPE vocabulary, 64-token context
    id: 'gpt-8k-64',
    title: 'GPT v8000 T64 d256 x4, batch 16',
    build: () => buildGPT({ vocab: 8000, context: 64, dim: 256, depth: 4, heads: 4, seed: 1, withLoss: true }),
    batch: (g) => sampleFeeds(g, 1, { dims: { batch: 16, seq: 64 } }),
    samples: 16,
    unit: 'seq',
    tokens: 16 * 64,
  },
  {
    id: 'resnet18-64',
    title: 'ResNet-18 64x64, 10 classes, batch 32',
    build: () => addClassificationLoss(buildResNet({ depth: 18, imageSize: 64, classes: 10, seed: 1 })),
    batch: (g) => sampleFeeds(g, 1, { dims: { batch: 32 } }),
    samples: 32,
    unit: 'img',
  },
];
