/**
 * shapes-grounder: open-vocabulary grounding in the style of OWL-ViT (Minderer et al. 2022).
 * A ViT image tower gives one embedding per patch; a small transformer text tower embeds
 * each query phrase; logits[b, p, q] = scale * <patch_p, query_q> + shift compares every
 * patch with every query (both L2-normalised), and a box head predicts one box per patch,
 * biased toward the patch's own position so each patch starts out predicting itself.
 *
 * Inputs: pixel_values [B, 3, S, S] raw RGB in [0, 1] (standardised inside the graph, see
 * common/pixel-norm.ts); input_ids [Q, L] int64 (pad id 0).
 * Outputs: logits [B, P, Q]; pred_boxes [B, P, 4] (cx, cy, w, h normalised to [0, 1]).
 */
import { linear, mlp, Net, tensor, vitEncoder, type Graph } from '@gradloc/tensor-backend';
import { shapesVocabulary } from '@gradloc/models';
import { convStem, type StemLayer } from '../common/conv-stem.js';
import { normalizePixels } from '../common/pixel-norm.js';
import { l2normalize, textTower, type TextTowerConfig } from '../common/text-tower.js';

const SHAPES_VOCAB_SIZE = shapesVocabulary().length;

export interface GrounderConfig extends TextTowerConfig {
  readonly imageSize: number;
  readonly patch: number;
  readonly dim: number;
  readonly depth: number;
  readonly heads: number;
  /** Convolutions before the patch embedding (common/conv-stem.ts); [] patchifies raw pixels. */
  readonly stem: readonly StemLayer[];
}

export const GROUNDER_CONFIG: GrounderConfig = {
  imageSize: 96,
  patch: 8,
  dim: 128,
  depth: 4,
  heads: 4,
  // BatchNorm conv stem: the raw-pixel build confused shapes of one colour (8% of present
  // queries' best patch sat on a same-colour object of another shape) and stopped at ap50 0.74
  stem: [
    { width: 16, stride: 2 },
    { width: 32, stride: 2 },
  ],
  embed: 64,
  textDim: 64,
  textDepth: 2,
  textHeads: 2,
  vocab: SHAPES_VOCAB_SIZE,
  maxLen: 8, // <bos> + phrase + <eos>, padded
};

export interface GrounderGraph {
  readonly graph: Graph;
  readonly net: Net;
  readonly logits: string;
  readonly boxes: string;
  readonly patches: number;
}

const inverseSigmoid = (p: number): number => Math.log(p / (1 - p));

/** The forward model (no loss); `addGrounderLoss` (loss.ts) adds the training loss on top. */
export function buildGrounder(cfg: GrounderConfig, seed: number): GrounderGraph {
  const net = new Net({ seed }, 'shapes-grounder');
  const { b, emit } = net;
  const grid = cfg.imageSize / cfg.patch;
  const P = grid * grid;
  const pixels = b.input('pixel_values', 'float32', ['batch', 3, cfg.imageSize, cfg.imageSize]);
  const ids = b.input('input_ids', 'int64', ['queries', cfg.maxLen]);

  // Image tower: patch tokens (the class token dropped) -> embedding per patch
  const stem = convStem(net, normalizePixels(net, pixels), cfg.stem, 'vision.');
  const vit = { ...cfg, imageSize: cfg.imageSize / stem.shrink, patch: cfg.patch / stem.shrink, inChannels: stem.channels, layerNorm: 'op' } as const;
  const { tokens } = vitEncoder(net, stem.output, vit, 'vision.');
  const patches = net.op('Slice', [tokens, b.ints([1]), b.ints([P + 1]), b.ints([1])], {}, 'vision.patch_tokens');
  const imgEmbed = l2normalize(net, linear(net, patches, 'class_head.proj', { din: cfg.dim, dout: cfg.embed }));

  const queryEmbed = textTower(net, ids, cfg);

  // Similarity of every patch with every query: [B, P, E] x [E, Q]
  const sim = net.op('MatMul', [imgEmbed, emit.transpose(queryEmbed, [1, 0])], {}, 'similarity');
  // Shape [1], not scalars: the Trainer only trains initializers of rank >= 1
  const scale = net.param('logit_scale', tensor('float32', [1], [Math.log(10)]));
  const shift = net.param('logit_shift', tensor('float32', [1], [-4]));
  const logits = b.op('Add', [b.op('Mul', [sim, b.op('Exp', [scale])]), shift], {}, { outputs: ['logits'] });
  b.output('logits', 'float32', ['batch', P, 'queries']);

  // Boxes: MLP residual on a per-patch prior (its own centre, a two-patch size)
  const prior = tensor('float32', [P, 4]);
  for (let i = 0; i < P; i++) {
    const [r, c] = [Math.floor(i / grid), i % grid];
    (prior.data as Float32Array).set([(c + 0.5) / grid, (r + 0.5) / grid, 2 / grid, 2 / grid].map(inverseSigmoid), i * 4);
  }
  const delta = linear(net, mlp(net, patches, { fc1: 'box_head.fc1', fc2: 'box_head.fc2' }, cfg.dim, cfg.dim, 'erf', 1), 'box_head.out', { din: cfg.dim, dout: 4, gain: 0.1 });
  const boxes = b.op('Sigmoid', [b.op('Add', [delta, b.op('Constant', [], { value: prior }, { outputs: [b.fresh('box_prior')] }) /* a constant, not a weight */])], {}, { outputs: ['pred_boxes'] });
  b.output('pred_boxes', 'float32', ['batch', P, 4]);
  return { graph: net.graph, net, logits, boxes, patches: P };
}
