/** A cross-entropy loss for classifiers exported without one (torchvision-style logits). */
import { GradlocError } from '../errors.js';
import { GraphBuilder } from '../ir/builder.js';
import { Emit } from '../ir/emit.js';
import type { Graph, ValueInfo } from '../ir/graph.js';
import { MODEL_META } from '../models/net.js';
import type { Tensor } from '../tensor/tensor.js';

export interface ClassificationLossOptions {
  /** [N, C] scores (default 'logits'). */
  readonly logits?: string;
  /** The int64 [N] class-index input to add (default 'labels'). */
  readonly labels?: string;
  /** The scalar output to add (default 'loss'). */
  readonly loss?: string;
}

/** The scores output of `graph` (checked to have `rank`) and a builder over a copy of the graph. */
function extendScores(graph: Graph, logits: string, rank: number, needs: string): { g: Graph; b: GraphBuilder; out: ValueInfo } {
  const out = graph.outputs.find((o) => o.name === logits);
  if (!out) throw new GradlocError('UNKNOWN_TENSOR', `no output named '${logits}' (outputs: ${graph.outputs.map((o) => o.name).join(', ')})`);
  if (out.dims && out.dims.length !== rank) throw new GradlocError('SHAPE_MISMATCH', `'${logits}' has rank ${out.dims.length}; ${needs}`);
  const g = graph.clone();
  return { g, b: new GraphBuilder(g), out };
}

/** A copy of `graph` with an int64 labels input and a mean softmax cross-entropy output. */
export function addClassificationLoss(graph: Graph, opts: ClassificationLossOptions = {}): Graph {
  const logits = opts.logits ?? 'logits';
  const { g, b, out } = extendScores(graph, logits, 2, 'a classification loss needs [N, C] scores');
  const labels = b.input(opts.labels ?? 'labels', 'int64', [out.dims?.[0] ?? 'batch']);
  const loss = opts.loss ?? 'loss';
  b.op('SoftmaxCrossEntropyLoss', [logits, labels], { reduction: 'mean' }, { outputs: [loss] });
  b.output(loss, out.dtype, []);
  const classes = out.dims?.[1];
  // the valid label range, so sampleFeeds can draw labels
  if (typeof classes === 'number') g.metadata.push({ key: MODEL_META.range(labels), value: `0,${classes}` });
  return g;
}

/** Fraction of rows whose largest score (last axis) is the label; labels hold one index per row. */
export function accuracy(logits: Tensor, labels: Tensor): number {
  const classes = logits.dims[logits.dims.length - 1];
  const rows = logits.data.length / classes;
  if (labels.data.length !== rows) throw new GradlocError('SHAPE_MISMATCH', `accuracy: ${rows} rows of scores, ${labels.data.length} labels`);
  let correct = 0;
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if (Number(logits.data[r * classes + c]) > Number(logits.data[r * classes + best])) best = c;
    if (best === Number(labels.data[r])) correct++;
  }
  return rows ? correct / rows : 0;
}

export interface NextTokenLossOptions {
  /** [B, T, V] next-token scores (default 'logits'). */
  readonly logits?: string;
  /** The int64 [B, T] target input to add (default 'targets'). */
  readonly targets?: string;
  readonly loss?: string;
  /**
   * Add a float [B] input of this name weighting each row's mean loss: loss = sum_b w_b
   * mean_t CE(b, t) (e.g. 1/n_a and alpha/n_b for rows of two datasets, L_a + alpha L_b).
   */
  readonly rowWeights?: string;
}

/**
 * A copy of a causal LM graph with int64 `targets` [B, T] and the mean cross-entropy over
 * every position (the loss buildGPT's `withLoss` adds, for models exported without one).
 */
export function addNextTokenLoss(graph: Graph, opts: NextTokenLossOptions = {}): Graph {
  const logits = opts.logits ?? 'logits';
  const { g, b, out } = extendScores(graph, logits, 3, 'a next-token loss needs [B, T, V] scores');
  const vocab = out.dims?.[2];
  if (typeof vocab !== 'number') throw new GradlocError('SHAPE_MISMATCH', `'${logits}' must declare its vocabulary size (last dim)`);
  const targets = b.input(opts.targets ?? 'targets', 'int64', [out.dims?.[0] ?? 'batch', out.dims?.[1] ?? 'seq']);
  const loss = opts.loss ?? 'loss';
  const flat = b.op('Reshape', [logits, b.ints([-1, vocab])]);
  const flatTargets = b.op('Reshape', [targets, b.ints([-1])]);
  if (opts.rowWeights) {
    const weights = b.input(opts.rowWeights, out.dtype, [out.dims?.[0] ?? 'batch']);
    const perToken = b.op('SoftmaxCrossEntropyLoss', [flat, flatTargets], { reduction: 'none' });
    const emit = new Emit(b, g.opset(''));
    const rowMean = emit.reduce('ReduceMean', b.op('Reshape', [perToken, b.op('Shape', [targets])]), [1], false);
    b.op('Identity', [emit.reduce('ReduceSum', b.op('Mul', [rowMean, weights]), [0], false)], {}, { outputs: [loss] });
  } else b.op('SoftmaxCrossEntropyLoss', [flat, flatTargets], { reduction: 'mean' }, { outputs: [loss] });
  b.output(loss, out.dtype, []);
  g.metadata.push({ key: MODEL_META.range(targets), value: `0,${vocab}` });
  return g;
}
