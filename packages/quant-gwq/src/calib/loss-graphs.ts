/**
 * The calibration graph: the canonical model plus a scalar `loss` to differentiate and the
 * activation statistics the Hessian baseline and GPTQ need, all computed by onnxruntime in
 * the same run as the gradients.
 *
 * Losses:
 * - 'lm': mean next-token cross-entropy. The caller feeds `targets` [B, T] (the inputs shifted
 *   by one), so a sample of T + 1 tokens scores T predictions.
 * - 'distill' (models without labels): a cross-entropy against the full-precision model's own
 *   outputs. At the FP weights a soft-target distillation loss has zero gradient (student =
 *   teacher), so the targets are the teacher's decisions (argmax for 'softmax' outputs,
 *   p > 0.5 for 'sigmoid' outputs), and for 'gaussian' (regression) outputs, whose own value
 *   would also give zero gradient, a Gaussian-likelihood target drawn around the teacher's
 *   value (the Monte-Carlo Fisher estimate). The graph takes the loss's gradient with respect
 *   to each output as a seed input `<output>.seed` (computed in TS, probes.ts): the loss is
 *   sum(output * seed), whose weight gradient is exactly the distillation loss's.
 */
import { Emit, GradlocError, GraphBuilder, type Graph, type ValueInfo } from '@gradloc/tensor-backend';
import { cloneGraph } from '../graph/clone.js';

export type OutputKind = 'softmax' | 'sigmoid' | 'gaussian';

export type CalibrationLoss =
  | { readonly kind: 'lm'; readonly logits?: string; readonly targets?: string }
  | { readonly kind: 'distill'; readonly outputs: Readonly<Record<string, OutputKind>>; readonly seed?: number };

export const LOSS = 'gwq.loss';
export const seedInput = (output: string): string => `${output}.seed`;
export const squaresOutput = (x: string): string => `${x}.gwq_sq`;
export const rowsOutput = (x: string): string => `${x}.gwq_rows`;
export const hessianOutput = (x: string): string => `${x}.gwq_h`;

function outputInfo(graph: Graph, name: string): ValueInfo {
  const o = graph.outputs.find((v) => v.name === name);
  if (!o) throw new GradlocError('UNKNOWN_TENSOR', `no model output '${name}' (outputs: ${graph.outputs.map((v) => v.name).join(', ')})`);
  if (o.dtype !== 'float32') throw new GradlocError('DTYPE_MISMATCH', `output '${name}' is ${o.dtype}; calibration needs float32 outputs`);
  return o;
}

function addLmLoss(graph: Graph, b: GraphBuilder, emit: Emit, logits: string, targets: string): void {
  const o = outputInfo(graph, logits);
  if (o.dims && o.dims.length !== 3) throw new GradlocError('SHAPE_MISMATCH', `'${logits}' must be [batch, seq, vocab] for the LM loss, got rank ${o.dims.length}`);
  const vocab = o.dims?.[2];
  if (typeof vocab !== 'number') throw new GradlocError('SHAPE_MISMATCH', `'${logits}' needs a fixed vocabulary dimension for the LM loss`);
  const t = b.input(targets, 'int64', [o.dims?.[0] ?? 'batch', o.dims?.[1] ?? 'seq']);
  b.op('SoftmaxCrossEntropyLoss', [emit.reshape(logits, [-1, vocab]), emit.reshape(t, [-1])], { reduction: 'mean' }, { outputs: [LOSS] });
}

function addProbeLoss(graph: Graph, b: GraphBuilder, emit: Emit, outputs: readonly string[]): void {
  if (outputs.length === 0) throw new GradlocError('BAD_INPUT', 'the distillation loss needs at least one output');
  const terms = outputs.map((name) => {
    const o = outputInfo(graph, name);
    const seed = b.input(seedInput(name), 'float32', o.dims ?? []);
    return emit.reduceSum(b.op('Mul', [name, seed]), [], false);
  });
  const total = terms.reduce((acc, t) => b.op('Add', [acc, t]));
  b.op('Identity', [total], {}, { outputs: [LOSS] });
}

/** Adds sum over rows of x^2 ([K]), the row count and optionally X^T X ([K, K]) for activation x [..., K]. */
function addActivationStats(b: GraphBuilder, emit: Emit, x: string, K: number, hessian: boolean): void {
  const flat = emit.reshape(x, [-1, K]);
  b.op('Identity', [emit.reduceSum(b.op('Mul', [flat, flat]), [0], false)], {}, { outputs: [squaresOutput(x)] });
  b.op('Shape', [flat], {}, { outputs: [rowsOutput(x)] });
  if (hessian) b.op('MatMul', [emit.transpose(flat, [1, 0]), flat], {}, { outputs: [hessianOutput(x)] });
}

export interface CalibrationGraphOptions {
  readonly loss: CalibrationLoss;
  /** Activation x -> its width K. */
  readonly activations: ReadonlyMap<string, number>;
  /** Also compute X^T X per activation (GPTQ). */
  readonly hessian: boolean;
}

export function calibrationGraph(canonical: Graph, opts: CalibrationGraphOptions): Graph {
  const graph = cloneGraph(canonical);
  const b = new GraphBuilder(graph);
  const emit = new Emit(b, graph.opset());
  if (opts.loss.kind === 'lm') addLmLoss(graph, b, emit, opts.loss.logits ?? 'logits', opts.loss.targets ?? 'targets');
  else addProbeLoss(graph, b, emit, Object.keys(opts.loss.outputs));
  b.output(LOSS, 'float32', []);
  for (const [x, K] of opts.activations) {
    const start = graph.nodes.length;
    addActivationStats(b, emit, x, K, opts.hessian);
    // placed right after x's producer, so a streamed calibration (stream/segments.ts) finds
    // them in the segment that computes x instead of carrying x to the end of the graph
    const stats = graph.nodes.splice(start);
    const at = graph.nodes.findIndex((n) => n.outputs.includes(x));
    graph.nodes.splice(at + 1, 0, ...stats);
  }
  return graph;
}
