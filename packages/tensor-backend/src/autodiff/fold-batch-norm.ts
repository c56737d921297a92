/**
 * Folding inference-mode BatchNormalization into the Conv that feeds it, before differentiation.
 *
 * Exports without constant folding keep Conv -> BatchNormalization. onnxruntime folds the
 * pair in the forward, in a plain session and in a gradient graph alike, but the backward
 * of the unfolded pair first multiplies the gradient by g = scale / sqrt(var + eps) per
 * channel: one more node and one more full pass over the gradient per BatchNorm. Folded,
 * y = Conv(x, W * g, (b - mean) * g + B) (g along W's output channels) is the same function
 * of x, so the gradient w.r.t. x is the same, and the conv's backward uses the scaled weight
 * directly. Only done where nothing but that function is asked for: the conv's weight and
 * bias and the BatchNorm's parameters are inline initializers and no wrt tensor, and the
 * conv output feeds only the BatchNorm and is no target, wrt tensor or requested output.
 */
import { GraphBuilder } from '../ir/builder.js';
import { Node, type Graph } from '../ir/graph.js';
import { isExternal, tensorFromProto } from '../onnx/tensor-proto.js';
import { tensor, type Tensor } from '../tensor/tensor.js';

/** Whether a BatchNormalization node normalises with its running statistics. */
function inferenceMode(bn: Node, opset: number): boolean {
  // before opset 14 training mode is signalled by the statistics outputs; spatial=0 (opset < 9) is per-element
  if (bn.outputs.filter(Boolean).length !== 1) return false;
  if (opset >= 14 && bn.attrs.int('training_mode', 0) !== 0) return false;
  return opset >= 9 || bn.attrs.int('spatial', 1) === 1;
}

/** Rewrites every Conv -> BatchNormalization pair it can into one Conv; returns how many. */
export function foldBatchNorms(g: Graph, keep: ReadonlySet<string>): number {
  const consumers = g.consumers();
  const producers = g.producers();
  const outputs = new Set(g.outputs.map((o) => o.name));
  const inputs = new Set(g.inputs.map((i) => i.name));
  const constant = (name: string | undefined): Tensor | undefined => {
    const t = name ? g.initializers.get(name) : undefined;
    if (!t || !name || inputs.has(name) || keep.has(name) || isExternal(t)) return undefined;
    const v = tensorFromProto(t);
    return v.dtype === 'float32' || v.dtype === 'float64' ? v : undefined;
  };
  const b = new GraphBuilder(g);
  const replaced = new Map<Node, Node>();
  const removed = new Set<Node>();
  for (const bn of g.nodes) {
    if (bn.op !== 'BatchNormalization' || bn.domain !== '' || !inferenceMode(bn, g.opset(''))) continue;
    const x = bn.inputs[0];
    const conv = producers.get(x);
    if (!conv || conv.op !== 'Conv' || conv.domain !== '' || replaced.has(conv) || conv.outputs.length !== 1) continue;
    if (keep.has(x) || outputs.has(x) || (consumers.get(x) ?? []).length !== 1) continue;
    const w = constant(conv.inputs[1]);
    const bias = conv.inputs[2] ? constant(conv.inputs[2]) : undefined;
    const [scale, shift, mean, variance] = bn.inputs.slice(1, 5).map(constant);
    if (!w || (conv.inputs[2] && !bias) || !scale || !shift || !mean || !variance) continue;
    const m = w.dims[0];
    if ([scale, shift, mean, variance].some((p) => p.dims.length !== 1 || p.dims[0] !== m || p.dtype !== w.dtype)) continue;
    if (bias && bias.dtype !== w.dtype) continue;

    // in doubles, rounded once to the weight's dtype
    const eps = bn.attrs.float('epsilon', 1e-5);
    const gain = Array.from({ length: m }, (_, c) => Number(scale.data[c]) / Math.sqrt(Number(variance.data[c]) + eps));
    const per = w.data.length / m;
    const w2 = tensor(w.dtype, w.dims);
    for (let i = 0; i < w.data.length; i++) (w2.data as Float64Array)[i] = Number(w.data[i]) * gain[Math.floor(i / per)];
    const b2 = tensor(w.dtype, [m]);
    for (let c = 0; c < m; c++) (b2.data as Float64Array)[c] = ((bias ? Number(bias.data[c]) : 0) - Number(mean.data[c])) * gain[c] + Number(shift.data[c]);
    const wName = b.initializer(w2, `${conv.inputs[1]}.bn_folded`);
    const bName = b.initializer(b2, `${bn.inputs[2]}.bn_folded`);
    // node protos are shared with the source graph: replace the Conv, do not mutate it
    replaced.set(conv, new Node({ ...conv.proto, input: [conv.inputs[0], wName, bName], output: [bn.outputs[0]] }));
    removed.add(bn);
  }
  if (removed.size) g.nodes = g.nodes.filter((n) => !removed.has(n)).map((n) => replaced.get(n) ?? n);
  return removed.size;
}
