/**
 * Vision Transformer (Dosovitskiy et al. 2021) as opset < 17 exports contain it: patch
 * embedding, class token Concat, position embedding Add, pre-LN blocks with LayerNorm
 * decomposed into ReduceMean/Sub/Pow/Sqrt/Div/Mul/Add, GELU via Erf, multi-head
 * attention via MatMul/Reshape/Transpose/Softmax, class-token Gather, Gemm head.
 *
 * Names follow timm: `patch_embed.proj`, `cls_token`, `pos_embed`, `blocks.{i}.norm1`,
 * `blocks.{i}.attn.{q,k,v,proj}`, `blocks.{i}.mlp.fc{1,2}`, `norm`, `head`; block
 * outputs are `blocks.{i}`, the output `logits`.
 */
import { GradlocError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import { tensor } from '../tensor/tensor.js';
import { attention, conv2d, layerNorm, linear, mlp, requireDoubleKernel, type GeluMode, type LayerNormMode } from './layers.js';
import { MODEL_META, Net, type BaseModelOptions } from './net.js';

export interface ViTOptions extends BaseModelOptions {
  readonly imageSize: number;
  /** Patch side; must divide imageSize. */
  readonly patch: number;
  readonly dim: number;
  readonly depth: number;
  readonly heads: number;
  readonly classes: number;
  readonly inChannels?: number;
  /** Hidden width of the MLP as a multiple of dim (default 4). */
  readonly mlpRatio?: number;
  /**
   * 'conv': Conv with stride = patch (timm, HF); 'matmul': Reshape/Transpose into patches
   * then MatMul (runs in float64, which onnxruntime's CPU Conv does not).
   * Default: 'conv' for float32, 'matmul' for float64.
   */
  readonly patchEmbed?: 'conv' | 'matmul';
  /** Default: 'erf' for float32, 'tanh' for float64 (no double Erf kernel). */
  readonly gelu?: GeluMode;
  /** Default 'decomposed' (opset < 17 exports). */
  readonly layerNorm?: LayerNormMode;
  /**
   * Init std of `cls_token` and `pos_embed` (default 1 and 0.5: large, so gradient tests see
   * them matter). Models meant to be TRAINED should use timm's 0.02: a class token whose
   * residual stream starts as a large constant only receives the image through the
   * attention average, and after the final LayerNorm that signal is too small to learn from
   * (a shapes ViT sat at chance for 1000 steps with the defaults).
   */
  readonly tokenInitStd?: { readonly cls: number; readonly pos: number };
}

/** What the ViT trunk needs; the classifier head's `classes` is not among them. */
export type ViTEncoderOptions = Omit<ViTOptions, 'classes' | 'seed' | 'dtype' | 'opset'>;

export interface ViTEncoded {
  /** [B, 1 + grid^2, dim] after the final LayerNorm (`norm`); token 0 is the class token. */
  readonly tokens: string;
  readonly grid: number;
}

/**
 * The ViT trunk on `input` ([B, C, H, W]): patch embedding, class token, position
 * embedding, `depth` pre-LN blocks and the final norm. Weight names get `prefix`, so a
 * model can hold several towers (e.g. a grounder's image encoder next to a text encoder).
 */
export function vitEncoder(net: Net, input: string, opts: ViTEncoderOptions, prefix = ''): ViTEncoded {
  const { imageSize, patch, dim, depth, heads } = opts;
  if (!(patch > 0) || imageSize % patch !== 0) throw new GradlocError('BAD_INPUT', `ViT patch ${patch} must divide imageSize ${imageSize}`);
  if (dim % heads !== 0) throw new GradlocError('BAD_INPUT', `ViT dim ${dim} must be divisible by heads ${heads}`);
  const { emit, b } = net;
  const f64 = net.dtype === 'float64';
  const geluMode = opts.gelu ?? (f64 ? 'tanh' : 'erf');
  if (geluMode === 'erf') requireDoubleKernel(net, 'Erf', 'buildViT', "use gelu: 'tanh'");
  const lnMode = opts.layerNorm ?? 'decomposed';
  const inC = opts.inChannels ?? 3;
  const grid = imageSize / patch;
  const tokens = grid * grid;
  const hidden = dim * (opts.mlpRatio ?? 4);
  const eps = 1e-6;
  const residualGain = 1 / Math.sqrt(2 * depth);

  // Patch embedding -> [B, N, D]
  let x: string;
  if ((opts.patchEmbed ?? (f64 ? 'matmul' : 'conv')) === 'conv') {
    requireDoubleKernel(net, 'Conv', 'buildViT', "use patchEmbed: 'matmul'");
    const y = conv2d(net, input, `${prefix}patch_embed.proj`, { cin: inC, cout: dim, k: patch, stride: patch, gain: Math.SQRT1_2 });
    x = emit.transpose(emit.reshape(y, [0, dim, -1]), [0, 2, 1]);
  } else {
    // [B, C, g, p, g, p] -> [B, g, g, C, p, p] -> [B, N, C p p]: the conv's unfold, written out
    const six = emit.reshape(input, [0, inC, grid, patch, grid, patch]);
    const patches = emit.reshape(emit.transpose(six, [0, 2, 4, 1, 3, 5]), [0, tokens, inC * patch * patch]);
    x = linear(net, patches, `${prefix}patch_embed.proj`, { din: inC * patch * patch, dout: dim });
  }

  // Class token, expanded to the batch size read from the input's shape (as exports do)
  const cls = net.normal(`${prefix}cls_token`, [1, 1, dim], opts.tokenInitStd?.cls ?? 1);
  const batch = emit.unsqueeze(b.op('Gather', [b.op('Shape', [input]), b.constant(tensor('int64', [], [0]))], { axis: 0 }), [0]);
  const clsShape = b.op('Concat', [batch, b.ints([1, dim])], { axis: 0 });
  x = b.op('Concat', [b.op('Expand', [cls, clsShape]), x], { axis: 1 });
  x = net.op('Add', [x, net.normal(`${prefix}pos_embed`, [1, tokens + 1, dim], opts.tokenInitStd?.pos ?? 0.5)], {}, `${prefix}embeddings`);

  for (let i = 0; i < depth; i++) {
    const p = `${prefix}blocks.${i}`;
    const h = layerNorm(net, x, `${p}.norm1`, dim, lnMode, eps);
    const q = linear(net, h, `${p}.attn.q`, { din: dim, dout: dim });
    const k = linear(net, h, `${p}.attn.k`, { din: dim, dout: dim });
    const v = linear(net, h, `${p}.attn.v`, { din: dim, dout: dim });
    const a = linear(net, attention(net, q, k, v, { heads, dim }), `${p}.attn.proj`, { din: dim, dout: dim, gain: residualGain });
    x = net.op('Add', [x, a], {}, `${p}.attn_residual`);
    const m = mlp(net, layerNorm(net, x, `${p}.norm2`, dim, lnMode, eps), { fc1: `${p}.mlp.fc1`, fc2: `${p}.mlp.fc2` }, dim, hidden, geluMode, residualGain);
    x = net.op('Add', [x, m], {}, p);
  }

  return { tokens: layerNorm(net, x, `${prefix}norm`, dim, lnMode, eps), grid };
}

export function buildViT(opts: ViTOptions): Graph {
  const { dim, depth, classes } = opts;
  const net = new Net(opts, 'vit');
  const { b } = net;
  const input = b.input('input', net.dtype, ['batch', opts.inChannels ?? 3, opts.imageSize, opts.imageSize]);
  const { tokens: x, grid } = vitEncoder(net, input, opts);
  const clsOut = net.op('Gather', [x, b.constant(tensor('int64', [], [0]))], { axis: 1 }, 'pooled'); // [B, D]
  const headW = net.normal('head.weight', [classes, dim], 1 / Math.sqrt(dim));
  const headB = net.normal('head.bias', [classes], 0.1);
  b.op('Gemm', [clsOut, headW, headB], { transB: 1 }, { outputs: ['logits'] });
  b.output('logits', net.dtype, ['batch', classes]);

  net.meta(MODEL_META.dim('batch'), 1);
  net.meta(MODEL_META.targetLayer, `blocks.${depth - 1}`);
  // CAM on tokens: drop `prefix_tokens`, reshape the rest to grid x grid
  net.meta('gradloc.vit.grid', grid);
  net.meta('gradloc.vit.prefix_tokens', 1);
  return net.graph;
}
