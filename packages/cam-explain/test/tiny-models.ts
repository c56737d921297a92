/**
 * Tiny ONNX models whose explanations are known by construction, built with the engine's Net
 * (GraphBuilder) so every weight is chosen by hand. Inputs have a symbolic batch axis, as
 * exported models do, so Score-CAM, Ablation-CAM and the attributions batch their copies.
 */
import { Net, OnnxModel, rng, tensor, type Tensor } from '@gradloc/tensor-backend';

export const RUNTIME = { threads: 1, spinning: false } as const;

export interface Tiny {
  readonly model: OnnxModel;
  /** The CAM layer's tensor name. */
  readonly layer: string;
}

function finish(net: Net, logits: string, classes: number): OnnxModel {
  net.graph.addOutput(logits, 'float32', ['batch', classes]);
  return OnnxModel.fromGraph(net.graph, RUNTIME);
}

const w = (net: Net, name: string, dims: number[], data: ArrayLike<number>): string => net.param(name, tensor('float32', dims, Float32Array.from(data)));

/** Uniform draws in [lo, hi) from a seeded generator, as a [dims] float32 tensor. */
export function uniform(dims: number[], seed: number, lo: number, hi: number): Tensor<'float32'> {
  const r = rng(seed);
  const n = dims.reduce((a, b) => a * b, 1);
  return tensor('float32', dims, Float32Array.from({ length: n }, () => lo + (hi - lo) * r()));
}

/** Quadrant k of an s x s grid: 0 top-left, 1 top-right, 2 bottom-left, 3 bottom-right. */
export const quadrantOf = (y: number, x: number, s: number): number => (y < s / 2 ? 0 : 2) + (x < s / 2 ? 0 : 1);

/**
 * x [B, 3, 16, 16] -> Conv 3->4, 2x2 stride 2 (non-overlapping patches: feature pixel (i, j)
 * sees exactly input pixels 2i..2i+1, 2j..2j+1), positive weights, bias 0.05 -> times a mask
 * that keeps channel k only in quadrant k of the 8x8 grid -> ReLU = `feat` -> global average
 * pool -> logits = 16 I . pooled + 0.1. So logit k reads only channel k, and channel k only
 * sees input quadrant k: every class-k explanation belongs in quadrant k.
 */
export function quadrantModel(): Tiny {
  const net = new Net({ seed: 0 }, 'quadrants');
  const x = net.b.input('x', 'float32', ['batch', 3, 16, 16]);
  const r = rng(7);
  const conv = net.op('Conv', [x, w(net, 'conv.weight', [4, 3, 2, 2], Array.from({ length: 48 }, () => 0.1 + 0.4 * r())), w(net, 'conv.bias', [4], [0.05, 0.05, 0.05, 0.05])], { kernel_shape: [2, 2], strides: [2, 2] }, 'conv');
  const mask = new Float32Array(4 * 64);
  for (let k = 0; k < 4; k++) for (let y = 0; y < 8; y++) for (let xx = 0; xx < 8; xx++) mask[k * 64 + y * 8 + xx] = quadrantOf(y, xx, 8) === k ? 1 : 0;
  const masked = net.op('Mul', [conv, w(net, 'quadrant_mask', [1, 4, 8, 8], mask)], {}, 'masked');
  const feat = net.op('Relu', [masked], {}, 'feat');
  const pooled = net.op('Flatten', [net.op('GlobalAveragePool', [feat])], { axis: 1 });
  const head = w(net, 'head.weight', [4, 4], [16, 0, 0, 0, 0, 16, 0, 0, 0, 0, 16, 0, 0, 0, 0, 16]);
  const logits = net.op('Add', [net.op('MatMul', [pooled, head]), w(net, 'head.bias', [4], [0.1, 0.1, 0.1, 0.1])], {}, 'logits');
  return { model: finish(net, logits, 4), layer: feat };
}

/**
 * x [B, 1, 8, 8] -> Conv 1x1 1->4 with weights u_k > 0, no bias -> quadrant mask -> ReLU =
 * `feat` (at the input's resolution, so Score-CAM's masks need no resampling) -> global
 * average pool -> logits = s I . pooled + b. For positive x, A_k = u_k x on quadrant k.
 */
export function scoreModel(u: readonly number[], s: number, b: number): Tiny {
  const net = new Net({ seed: 0 }, 'quadrants-1x1');
  const x = net.b.input('x', 'float32', ['batch', 1, 8, 8]);
  const conv = net.op('Conv', [x, w(net, 'conv.weight', [4, 1, 1, 1], u)], { kernel_shape: [1, 1] }, 'conv');
  const mask = new Float32Array(4 * 64);
  for (let k = 0; k < 4; k++) for (let y = 0; y < 8; y++) for (let xx = 0; xx < 8; xx++) mask[k * 64 + y * 8 + xx] = quadrantOf(y, xx, 8) === k ? 1 : 0;
  const feat = net.op('Relu', [net.op('Mul', [conv, w(net, 'quadrant_mask', [1, 4, 8, 8], mask)])], {}, 'feat');
  const pooled = net.op('Flatten', [net.op('GlobalAveragePool', [feat])], { axis: 1 });
  const eye = Array.from({ length: 16 }, (_, i) => (i % 5 === 0 ? s : 0));
  const logits = net.op('Add', [net.op('MatMul', [pooled, w(net, 'head.weight', [4, 4], eye)]), w(net, 'head.bias', [4], [b, b, b, b])], {}, 'logits');
  return { model: finish(net, logits, 4), layer: feat };
}

/**
 * x [B, cin, H, W] -> Conv (weights `convW` [K, cin, kh, kw], `conv` attributes) = `feat` (no
 * activation, so d logits / d feat is exactly the head) -> Flatten -> MatMul with `head`
 * [K * h * w, C] (+ optional ReLU on the conv when `relu`). The gradient of logit c w.r.t.
 * feat is column c of `head`, reshaped to [K, h, w].
 */
export function flattenHeadModel(o: {
  inputDims: [number, number, number];
  convW: { dims: number[]; data: ArrayLike<number> };
  conv: Record<string, number[]>;
  relu: boolean;
  head: { dims: [number, number]; data: ArrayLike<number> };
}): Tiny {
  const net = new Net({ seed: 0 }, 'flatten-head');
  const x = net.b.input('x', 'float32', ['batch', ...o.inputDims]);
  const conv = net.op('Conv', [x, w(net, 'conv.weight', o.convW.dims, o.convW.data)], o.conv, o.relu ? 'conv' : 'feat');
  const feat = o.relu ? net.op('Relu', [conv], {}, 'feat') : conv;
  const flat = net.op('Flatten', [feat], { axis: 1 });
  const logits = net.op('MatMul', [flat, w(net, 'head.weight', o.head.dims, o.head.data)], {}, 'logits');
  return { model: finish(net, logits, o.head.dims[1]), layer: feat };
}

/**
 * A smooth model (no ReLU, no max): x [B, 3, 6, 6] -> Conv 3->4 3x3 pad 1 (+bias) -> Tanh ->
 * Conv 1x1 4->2 -> Softplus -> global average pool -> Linear(2, 3). `feat` = the Tanh output.
 */
export function smoothModel(): Tiny {
  const net = new Net({ seed: 0 }, 'smooth');
  const x = net.b.input('x', 'float32', ['batch', 3, 6, 6]);
  const r = rng(11);
  const rnd = (n: number, scale: number): number[] => Array.from({ length: n }, () => scale * (2 * r() - 1));
  const c1 = net.op('Conv', [x, w(net, 'c1.weight', [4, 3, 3, 3], rnd(108, 0.5)), w(net, 'c1.bias', [4], rnd(4, 0.2))], { kernel_shape: [3, 3], pads: [1, 1, 1, 1] });
  const feat = net.op('Tanh', [c1], {}, 'feat');
  const c2 = net.op('Softplus', [net.op('Conv', [feat, w(net, 'c2.weight', [2, 4, 1, 1], rnd(8, 1))], { kernel_shape: [1, 1] })]);
  const pooled = net.op('Flatten', [net.op('GlobalAveragePool', [c2])], { axis: 1 });
  const logits = net.op('Add', [net.op('MatMul', [pooled, w(net, 'fc.weight', [2, 3], rnd(6, 6))]), w(net, 'fc.bias', [3], rnd(3, 0.5))], {}, 'logits');
  return { model: finish(net, logits, 3), layer: feat };
}

/**
 * x [B, 1, 4, 4] -> Conv 1x1 1->2 (weights [1, 0.5], biases [0, -0.1]) -> ReLU -> Conv 1x1 2->1
 * (weights [+1, -1]) -> global average pool -> logits [B, 1]. Where both ReLUs are open, the
 * gradient reaching ReLU 1 is negative (-1/16): plain backprop passes it, guided backprop
 * does not.
 */
export function guidedModel(): Tiny {
  const net = new Net({ seed: 0 }, 'guided');
  const x = net.b.input('x', 'float32', ['batch', 1, 4, 4]);
  const c1 = net.op('Conv', [x, w(net, 'c1.weight', [2, 1, 1, 1], [1, 0.5]), w(net, 'c1.bias', [2], [0, -0.1])], { kernel_shape: [1, 1] });
  const feat = net.op('Relu', [c1], {}, 'feat');
  const c2 = net.op('Conv', [feat, w(net, 'c2.weight', [1, 2, 1, 1], [1, -1])], { kernel_shape: [1, 1] });
  const logits = net.op('Flatten', [net.op('GlobalAveragePool', [c2])], { axis: 1 }, 'logits');
  return { model: finish(net, logits, 1), layer: feat };
}

/**
 * x [B, 1, s, s] -> Conv 1x1 1->K with weights u (no bias) = `feat`: A_k = u_k x, a rank-1
 * activation tensor -> global average pool -> logits = pooled . 1 (one class).
 */
export function rankOneModel(u: readonly number[], s: number): Tiny {
  const K = u.length;
  const net = new Net({ seed: 0 }, 'rank-one');
  const x = net.b.input('x', 'float32', ['batch', 1, s, s]);
  const feat = net.op('Conv', [x, w(net, 'conv.weight', [K, 1, 1, 1], u)], { kernel_shape: [1, 1] }, 'feat');
  const pooled = net.op('Flatten', [net.op('GlobalAveragePool', [feat])], { axis: 1 });
  const logits = net.op('MatMul', [pooled, w(net, 'head.weight', [K, 1], Array(K).fill(1))], {}, 'logits');
  return { model: finish(net, logits, 1), layer: feat };
}

/**
 * A token layer: x [B, D, s, s] -> Reshape [B, D, s*s] -> Transpose = `tokens` [B, s*s, D]
 * (token p, channel d holds x[d, p], so the CAM grid of channel d is x[d] itself) -> Flatten ->
 * MatMul `head` [s*s*D, 1] = logits. The gradient w.r.t. token p, channel d is head[p * D + d].
 */
export function tokenModel(D: number, s: number, head: ArrayLike<number>): Tiny {
  const net = new Net({ seed: 0 }, 'tokens');
  const x = net.b.input('x', 'float32', ['batch', D, s, s]);
  const tokens = net.emit.transpose(net.emit.reshape(x, [0, D, s * s]), [0, 2, 1]);
  const flat = net.op('Flatten', [tokens], { axis: 1 });
  const logits = net.op('MatMul', [flat, w(net, 'head.weight', [s * s * D, 1], head)], {}, 'logits');
  return { model: finish(net, logits, 1), layer: tokens };
}

/**
 * x [B, 3, 8, 8] -> Conv 3->4, 2x2 stride 2, positive weights, NO bias -> ReLU = `feat`
 * [B, 4, 4, 4] -> global average pool -> logits = pooled . head ([4, 2]). With x = 0 every
 * activation is 0; with a zero head no score depends on the input; with a negative head column
 * every Grad-CAM weight of that class is negative while the activations are >= 0.
 */
export function poolHeadModel(head: readonly number[]): Tiny {
  const net = new Net({ seed: 0 }, 'pool-head');
  const x = net.b.input('x', 'float32', ['batch', 3, 8, 8]);
  const r = rng(5);
  const conv = net.op('Conv', [x, w(net, 'conv.weight', [4, 3, 2, 2], Array.from({ length: 48 }, () => 0.1 + 0.4 * r()))], { kernel_shape: [2, 2], strides: [2, 2] }, 'conv');
  const feat = net.op('Relu', [conv], {}, 'feat');
  const pooled = net.op('Flatten', [net.op('GlobalAveragePool', [feat])], { axis: 1 });
  const logits = net.op('MatMul', [pooled, w(net, 'head.weight', [4, 2], head)], {}, 'logits');
  return { model: finish(net, logits, 2), layer: feat };
}
