/**
 * GPT (GPT-2 layout, Radford et al. 2019) as exports contain it: int64 token ids, Gather
 * of token and position embeddings (positions from Range over the runtime length),
 * pre-LN blocks with a fused qkv MatMul split into q/k/v, a causal mask applied with
 * Where(mask, scores, -inf) from a constant bool lower-triangular matrix sliced to the
 * length, Softmax, GELU MLP, final LN and an LM head tied to the token embedding.
 * `withLoss` adds int64 `targets` and a scalar mean cross-entropy `loss`.
 *
 * Names follow HF GPT-2: `wte`, `wpe`, `h.{i}.ln_1`, `h.{i}.attn.c_attn`,
 * `h.{i}.attn.c_proj`, `h.{i}.ln_2`, `h.{i}.mlp.c_fc`, `h.{i}.mlp.c_proj`, `ln_f`;
 * `tok_emb` is the token embedding (the float tensor to take saliency gradients of),
 * block outputs are `h.{i}`, outputs `logits` [B, T, vocab] and `loss`.
 */
import { GradlocError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import { tensor } from '../tensor/tensor.js';
import { attention, layerNorm, linear, mlp, requireDoubleKernel, type GeluMode, type LayerNormMode } from './layers.js';
import { MODEL_META, Net, type BaseModelOptions } from './net.js';

export interface GPTOptions extends BaseModelOptions {
  readonly vocab: number;
  /** Maximum sequence length (position table and mask size); the fed length may be shorter. */
  readonly context: number;
  readonly dim: number;
  readonly depth: number;
  readonly heads: number;
  /** Add `targets` (int64 [B, T]) and the scalar output `loss`. */
  readonly withLoss?: boolean;
  /** 'sce': SoftmaxCrossEntropyLoss (default); 'logsoftmax': LogSoftmax + GatherElements + ReduceMean. */
  readonly lossOp?: 'sce' | 'logsoftmax';
  /** LM head shares the token embedding (GPT-2; default true) or has its own weight. */
  readonly tieWeights?: boolean;
  readonly mlpRatio?: number;
  /** Default: 'erf' for float32, 'tanh' for float64 (no double Erf kernel). */
  readonly gelu?: GeluMode;
  /** Default 'decomposed' (opset < 17 exports). */
  readonly layerNorm?: LayerNormMode;
}

export function buildGPT(opts: GPTOptions): Graph {
  const { vocab, context, dim, depth, heads } = opts;
  if (dim % heads !== 0) throw new GradlocError('BAD_INPUT', `GPT dim ${dim} must be divisible by heads ${heads}`);
  if (!(vocab >= 2 && context >= 1)) throw new GradlocError('BAD_INPUT', `GPT needs vocab >= 2 and context >= 1`);
  const net = new Net(opts, 'gpt');
  const { emit, b } = net;
  const geluMode = opts.gelu ?? (net.dtype === 'float64' ? 'tanh' : 'erf');
  if (geluMode === 'erf') requireDoubleKernel(net, 'Erf', 'buildGPT', "use gelu: 'tanh'");
  const lnMode = opts.layerNorm ?? 'decomposed';
  const hidden = dim * (opts.mlpRatio ?? 4);
  const eps = 1e-5;
  const residualGain = 1 / Math.sqrt(2 * depth);
  const int = (v: number): string => b.constant(tensor('int64', [], [v]));

  const ids = b.input('input_ids', 'int64', ['batch', 'seq']);
  // std 1/sqrt(dim): the tied head's logits h . wte^T are then O(1)
  const wte = net.normal('wte.weight', [vocab, dim], 1 / Math.sqrt(dim));
  const wpe = net.normal('wpe.weight', [context, dim], 1 / Math.sqrt(dim));

  // Runtime length T from the ids' shape; positions 0..T-1
  const len = b.op('Gather', [b.op('Shape', [ids]), int(1)], { axis: 0 });
  const positions = b.op('Range', [int(0), len, int(1)]);
  const tok = net.op('Gather', [wte, ids], { axis: 0 }, 'tok_emb');
  let x = net.op('Add', [tok, net.op('Gather', [wpe, positions], { axis: 0 }, 'pos_emb')], {}, 'embeddings');

  // Causal mask: constant bool [context, context] lower triangle, sliced to [T, T]
  const tri = tensor('bool', [context, context]);
  for (let i = 0; i < context; i++) for (let j = 0; j <= i; j++) tri.data[i * context + j] = 1;
  const len1 = emit.unsqueeze(len, [0]);
  const ends = b.op('Concat', [len1, len1], { axis: 0 });
  const mask = net.op('Slice', [b.initializer(tri, 'causal_mask'), b.ints([0, 0]), ends, b.ints([0, 1])], {}, 'mask');

  for (let i = 0; i < depth; i++) {
    const p = `h.${i}`;
    const h = layerNorm(net, x, `${p}.ln_1`, dim, lnMode, eps);
    const qkv = linear(net, h, `${p}.attn.c_attn`, { din: dim, dout: 3 * dim });
    const [q, k, v] = emit.split(qkv, [dim, dim, dim], 2);
    const a = linear(net, attention(net, q, k, v, { heads, dim, mask }), `${p}.attn.c_proj`, { din: dim, dout: dim, gain: residualGain });
    x = net.op('Add', [x, a], {}, `${p}.attn_residual`);
    const m = mlp(net, layerNorm(net, x, `${p}.ln_2`, dim, lnMode, eps), { fc1: `${p}.mlp.c_fc`, fc2: `${p}.mlp.c_proj` }, dim, hidden, geluMode, residualGain);
    x = net.op('Add', [x, m], {}, p);
  }
  x = layerNorm(net, x, 'ln_f', dim, lnMode, eps);
  const headW = opts.tieWeights === false ? net.normal('lm_head.weight', [dim, vocab], 1 / Math.sqrt(dim)) : emit.transpose(wte, [1, 0]);
  const logits = b.op('MatMul', [x, headW], {}, { outputs: ['logits'] });
  b.output('logits', net.dtype, ['batch', 'seq', vocab]);

  if (opts.withLoss) {
    const targets = b.input('targets', 'int64', ['batch', 'seq']);
    if ((opts.lossOp ?? 'sce') === 'sce') {
      const flat = emit.reshape(logits, [-1, vocab]);
      b.op('SoftmaxCrossEntropyLoss', [flat, emit.reshape(targets, [-1])], { reduction: 'mean' }, { outputs: ['loss'] });
    } else {
      const logp = b.op('LogSoftmax', [logits], { axis: -1 });
      const picked = b.op('GatherElements', [logp, emit.unsqueeze(targets, [-1])], { axis: -1 });
      b.op('Neg', [emit.reduce('ReduceMean', picked, [], false)], {}, { outputs: ['loss'] });
    }
    b.output('loss', net.dtype, []);
    net.meta(MODEL_META.range('targets'), `0,${vocab}`);
  }

  net.meta(MODEL_META.dim('batch'), 1);
  net.meta(MODEL_META.dim('seq'), context);
  net.meta(MODEL_META.range('input_ids'), `0,${vocab}`);
  net.meta(MODEL_META.targetLayer, `h.${depth - 1}`);
  return net.graph;
}
