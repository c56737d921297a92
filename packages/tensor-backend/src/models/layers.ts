/**
 * Layers as exporters write them: each function appends the ONNX nodes that torch.onnx
 * emits for the PyTorch module of the same name, with weights named by module path.
 */
import { GradlocError } from '../errors.js';
import { asFloat } from '../ir/attributes.js';
import type { Net } from './net.js';

export interface ConvSpec {
  readonly cin: number;
  readonly cout: number;
  readonly k: number;
  readonly stride?: number;
  readonly pad?: number;
  readonly bias?: boolean;
  /** Multiplies the He std (below 1 for the last conv of a residual branch). */
  readonly gain?: number;
}

/** Conv2d with He-normal weights (fan-in, ReLU gain). */
export function conv2d(net: Net, x: string, name: string, s: ConvSpec): string {
  const { cin, cout, k } = s;
  const std = (s.gain ?? 1) * Math.sqrt(2 / (cin * k * k));
  const w = net.normal(`${name}.weight`, [cout, cin, k, k], std);
  // Folded BatchNorm leaves a per-channel bias of the order of the activations' spread.
  const inputs = s.bias === false ? [x, w] : [x, w, net.normal(`${name}.bias`, [cout], 0.1)];
  const p = s.pad ?? 0;
  const st = s.stride ?? 1;
  return net.op('Conv', inputs, { kernel_shape: [k, k], strides: [st, st], pads: [p, p, p, p], dilations: [1, 1], group: 1 }, name);
}

/** Eval-mode BatchNormalization with non-trivial statistics (so its gradient is tested). */
export function batchNorm(net: Net, x: string, name: string, channels: number): string {
  const scale = net.around(`${name}.weight`, [channels], 1, 0.1);
  const bias = net.normal(`${name}.bias`, [channels], 0.1);
  const mean = net.normal(`${name}.running_mean`, [channels], 0.1);
  const variance = net.positive(`${name}.running_var`, [channels], 0.5, 0.5);
  return net.op('BatchNormalization', [x, scale, bias, mean, variance], { epsilon: asFloat(1e-5), momentum: asFloat(0.9) }, name);
}

export interface LinearSpec {
  readonly din: number;
  readonly dout: number;
  readonly bias?: boolean;
  /** Multiplies the 1/sqrt(din) std (GPT-2 scales residual projections by 1/sqrt(2 depth)). */
  readonly gain?: number;
}

/**
 * nn.Linear on a rank >= 2 input as torch.onnx writes it: MatMul with the weight stored
 * pre-transposed as [din, dout], then Add of the bias.
 */
export function linear(net: Net, x: string, name: string, s: LinearSpec): string {
  const w = net.normal(`${name}.weight`, [s.din, s.dout], (s.gain ?? 1) / Math.sqrt(s.din));
  const y = net.op('MatMul', [x, w], {}, s.bias === false ? name : `${name}.matmul`);
  return s.bias === false ? y : net.op('Add', [y, net.normal(`${name}.bias`, [s.dout], 0.1)], {}, name);
}

export type LayerNormMode = 'decomposed' | 'op';

/**
 * LayerNorm over the last axis. 'decomposed' is what opset < 17 exports contain
 * (ReduceMean, Sub, Pow, ReduceMean, Add, Sqrt, Div, Mul, Add); 'op' is the opset-17
 * LayerNormalization node.
 */
export function layerNorm(net: Net, x: string, name: string, dim: number, mode: LayerNormMode, eps: number): string {
  const gamma = net.around(`${name}.weight`, [dim], 1, 0.1);
  const beta = net.normal(`${name}.bias`, [dim], 0.1);
  if (mode === 'op') {
    if (net.graph.opset('') < 17) throw new GradlocError('BAD_INPUT', `${name}: LayerNormalization needs opset >= 17`);
    return net.op('LayerNormalization', [x, gamma, beta], { axis: -1, epsilon: asFloat(eps) }, name);
  }
  const { emit } = net;
  const mean = emit.reduce('ReduceMean', x, [-1], true);
  const centered = net.op('Sub', [x, mean]);
  const variance = emit.reduce('ReduceMean', net.op('Pow', [centered, net.scalar(2)]), [-1], true);
  const std = net.op('Sqrt', [net.op('Add', [variance, net.scalar(eps)])]);
  const normed = net.op('Div', [centered, std]);
  return net.op('Add', [net.op('Mul', [normed, gamma]), beta], {}, name);
}

export type GeluMode = 'erf' | 'tanh';

/**
 * GELU as exports spell it. 'erf': x * 0.5 * (1 + erf(x / sqrt 2)) (nn.GELU()).
 * 'tanh': 0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3))) (GPT-2's gelu_new) - the
 * variant that runs in float64, since onnxruntime's CPU Erf has no double kernel.
 */
export function gelu(net: Net, x: string, mode: GeluMode, name?: string): string {
  if (mode === 'erf') {
    const e = net.op('Erf', [net.op('Div', [x, net.scalar(Math.SQRT2)])]);
    return net.op('Mul', [net.op('Mul', [x, net.op('Add', [e, net.scalar(1)])]), net.scalar(0.5)], {}, name);
  }
  const cube = net.op('Mul', [net.op('Pow', [x, net.scalar(3)]), net.scalar(0.044715)]);
  const inner = net.op('Mul', [net.op('Add', [x, cube]), net.scalar(Math.sqrt(2 / Math.PI))]);
  const t = net.op('Add', [net.op('Tanh', [inner]), net.scalar(1)]);
  return net.op('Mul', [net.op('Mul', [x, net.scalar(0.5)]), t], {}, name);
}

/**
 * Fails at build time, not at session creation, when a float64 model would need an op
 * onnxruntime's CPU provider runs only in float32 (in onnxruntime 1.30 Erf, Conv,
 * ConvTranspose, AveragePool, GlobalAveragePool and Softplus, among others, have no
 * double kernel); `instead` names the option that avoids it.
 */
export function requireDoubleKernel(net: Net, op: string, where: string, instead: string): void {
  if (net.dtype === 'float64') {
    throw new GradlocError('BAD_INPUT', `${where}: onnxruntime's CPU ${op} has no float64 kernel; ${instead}`);
  }
}

export interface AttentionSpec {
  readonly heads: number;
  readonly dim: number;
  /** bool [T, T] (broadcast over batch and heads): keep where true, -inf elsewhere. */
  readonly mask?: string;
}

/**
 * Scaled dot-product attention over projected q, k, v ([B, T, D] each): split heads with
 * Reshape [0, 0, H, D/H] + Transpose, softmax(q k^T / sqrt(D/H)) v, merge heads back.
 */
export function attention(net: Net, q: string, k: string, v: string, s: AttentionSpec): string {
  const { emit } = net;
  if (s.dim % s.heads !== 0) throw new GradlocError('BAD_INPUT', `dim ${s.dim} is not divisible by heads ${s.heads}`);
  const hd = s.dim / s.heads;
  const split = (t: string, perm: number[]): string => emit.transpose(emit.reshape(t, [0, 0, s.heads, hd]), perm);
  const qh = split(q, [0, 2, 1, 3]); // [B, H, T, hd]
  const kt = split(k, [0, 2, 3, 1]); // [B, H, hd, T]
  const vh = split(v, [0, 2, 1, 3]);
  let scores = net.op('Div', [net.op('MatMul', [qh, kt]), net.scalar(Math.sqrt(hd))]);
  if (s.mask) scores = net.op('Where', [s.mask, scores, net.scalar(-Infinity)]);
  const probs = net.op('Softmax', [scores], { axis: -1 });
  const ctx = emit.transpose(net.op('MatMul', [probs, vh]), [0, 2, 1, 3]); // [B, T, H, hd]
  return emit.reshape(ctx, [0, 0, s.dim]);
}

/** The MLP of a transformer block: fc1, GELU, fc2 (fc2 scaled as a residual projection). */
export function mlp(net: Net, x: string, names: { fc1: string; fc2: string }, dim: number, hidden: number, mode: GeluMode, gain: number): string {
  const h = gelu(net, linear(net, x, names.fc1, { din: dim, dout: hidden }), mode);
  return linear(net, h, names.fc2, { din: hidden, dout: dim, gain });
}
