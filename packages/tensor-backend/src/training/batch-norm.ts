/**
 * Training a BatchNorm network with the project's gradient engine, which differentiates only
 * inference-mode BatchNormalization (fixed running statistics: an affine map, none of the
 * normalising that lets a deep CNN learn; without it the shapes ResNets sat at chance for
 * thousands of steps). The training graph therefore normalises every BatchNormalization's
 * input with the batch's own per-channel mean and variance, spelled in ops the engine
 * differentiates; after training, the shipped graph's running statistics are set to those
 * statistics over a few batches of training data ("precise BN", Wu & Johnson 2021).
 */
import { Emit } from '../ir/emit.js';
import { GraphBuilder } from '../ir/builder.js';
import { Graph } from '../ir/graph.js';
import { tensorFromProto, tensorToProto } from '../onnx/tensor-proto.js';
import { OnnxModel, type Feeds } from '../runtime/model.js';
import type { RuntimeOptions } from '../runtime/session.js';

export interface BatchNormSite {
  /** The BatchNormalization output (the layer, e.g. `layer1.0.bn1`). */
  readonly output: string;
  readonly runningMean: string;
  readonly runningVar: string;
}

export const batchMeanOf = (site: BatchNormSite): string => `${site.output}.batch_mean`;
export const batchVarOf = (site: BatchNormSite): string => `${site.output}.batch_var`;

export function batchNormSites(g: Graph): BatchNormSite[] {
  return g.nodes.filter((n) => n.op === 'BatchNormalization').map((n) => ({ output: n.outputs[0], runningMean: n.inputs[3], runningVar: n.inputs[4] }));
}

export const hasBatchNorm = (g: Graph): boolean => g.nodes.some((n) => n.op === 'BatchNormalization');

/** The graph a Trainer differentiates: `g` itself, or its batch-statistics twin when it has BatchNorm. */
export const trainingGraph = (g: Graph): Graph => (hasBatchNorm(g) ? withBatchStatistics(g) : g);

/**
 * A copy of `forward` whose BatchNormalizations use batch statistics (NCHW, per channel),
 * exposed as `<layer>.batch_mean` / `<layer>.batch_var` [1, C, 1, 1]. The running statistics
 * leave the graph, so a Trainer does not take them for weights.
 */
export function withBatchStatistics(forward: Graph): Graph {
  const proto = forward.toModel();
  const g = Graph.fromModel({ ...proto, metadata_props: [...proto.metadata_props] });
  const b = new GraphBuilder(g);
  const emit = new Emit(b, g.opset(''));
  const original = g.nodes;
  g.nodes = [];
  for (const node of original) {
    if (node.op !== 'BatchNormalization') {
      g.nodes.push(node);
      continue;
    }
    const [x, scale, bias, runningMean, runningVar] = node.inputs;
    const site = { output: node.outputs[0], runningMean, runningVar };
    const channel = (v: string): string => emit.reshape(v, [1, -1, 1, 1]);
    const perChannel = (v: string, name: string): string => b.op('Identity', [emit.reduce('ReduceMean', v, [0, 2, 3], true)], {}, { outputs: [name] });
    const mean = perChannel(x, batchMeanOf(site));
    const centred = b.op('Sub', [x, mean]);
    const variance = perChannel(b.op('Mul', [centred, centred]), batchVarOf(site));
    const inv = b.op('Reciprocal', [b.op('Sqrt', [b.op('Add', [variance, b.scalar(node.attrs.float('epsilon', 1e-5), 'float32')])])]);
    b.op('Add', [b.op('Mul', [centred, b.op('Mul', [inv, channel(scale)])]), channel(bias)], {}, { outputs: [site.output] });
    g.initializers.delete(runningMean);
    g.initializers.delete(runningVar);
  }
  return g;
}

/**
 * Sets `forward`'s running statistics (in place) from its batch-statistics twin run over
 * the first `maxBatches` of `batches` (equal sizes, `forward` already holding the trained
 * weights; feeds it has no input for are ignored): per channel the mean
 * of the batch means, and the mean batch variance plus the variance of the batch means, which
 * is the variance over every pixel of every batch.
 */
export async function setRunningStatistics(forward: Graph, batches: Iterable<Feeds>, runtime: RuntimeOptions = {}, maxBatches = Infinity): Promise<void> {
  const sites = batchNormSites(forward);
  if (sites.length === 0) return;
  const g = withBatchStatistics(forward);
  const fetch = sites.flatMap((s) => [batchMeanOf(s), batchVarOf(s)]);
  for (const name of fetch) g.addOutput(name, 'float32');
  const model = OnnxModel.fromGraph(g, runtime);
  const acc = sites.map((s) => {
    const c = tensorFromProto(forward.initializers.get(s.runningMean)!).data.length;
    return { mean: new Float64Array(c), meanSq: new Float64Array(c), variance: new Float64Array(c) };
  });
  let n = 0;
  // batches may carry training-only feeds (labels): keep the graph's inputs
  const inputs = new Set(g.inputs.map((i) => i.name));
  for (const feeds of batches) {
    if (n >= maxBatches) break;
    const out = await model.run(Object.fromEntries(Object.entries(feeds).filter(([k]) => inputs.has(k))), fetch);
    sites.forEach((s, i) => {
      const m = out[batchMeanOf(s)].data as Float32Array;
      const v = out[batchVarOf(s)].data as Float32Array;
      for (let c = 0; c < m.length; c++) {
        acc[i].mean[c] += m[c];
        acc[i].meanSq[c] += m[c] * m[c];
        acc[i].variance[c] += v[c];
      }
    });
    n++;
  }
  if (n === 0) return;
  sites.forEach((s, i) => {
    const { mean, meanSq, variance } = acc[i];
    const mu = Float32Array.from(mean, (x) => x / n);
    const vr = Float32Array.from(variance, (x, c) => x / n + Math.max(0, meanSq[c] / n - mu[c] * mu[c]));
    forward.initializers.set(s.runningMean, tensorToProto(s.runningMean, { dtype: 'float32', dims: [mu.length], data: mu }));
    forward.initializers.set(s.runningVar, tensorToProto(s.runningVar, { dtype: 'float32', dims: [vr.length], data: vr }));
  });
}
