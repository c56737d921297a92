/**
 * A loss on a hidden activation instead of the output: sum over rows b of
 * w_b * mean((h_b - target_b)^2), with per-row weights fed at run time. RMU-style unlearning
 * uses it with forget rows pulled to a random direction and retain rows held at a frozen
 * copy's activations (weights 1/n_forget and alpha/n_retain give its two MSE terms); feature
 * distillation is the one-weight special case.
 */
import { GradlocError } from '../errors.js';
import { GraphBuilder } from '../ir/builder.js';
import { Emit } from '../ir/emit.js';
import { Graph, type Dim } from '../ir/graph.js';
import type { DType } from '../tensor/dtype.js';

export interface ActivationLossOptions {
  /** The hidden tensor (any node output), e.g. a transformer block's output `h.3`. */
  readonly tensor: string;
  /** Its dims, rows first (e.g. ['batch', 'seq', 256]); the target input gets the same. */
  readonly dims: readonly Dim[];
  /** Default float32. */
  readonly dtype?: DType;
  /** Input names (defaults 'activation_target', 'row_weights') and the scalar output (default 'loss'). */
  readonly target?: string;
  readonly weights?: string;
  readonly loss?: string;
}

/** A copy of `graph` with inputs target [dims] and weights [rows] and a scalar loss output. */
export function addActivationLoss(graph: Graph, opts: ActivationLossOptions): Graph {
  const loss = opts.loss ?? 'loss';
  if (graph.outputs.some((o) => o.name === loss) || graph.nodes.some((n) => n.outputs.includes(loss))) {
    throw new GradlocError('BAD_INPUT', `the graph already has a tensor named '${loss}'`);
  }
  if (!graph.nodes.some((n) => n.outputs.includes(opts.tensor))) throw new GradlocError('UNKNOWN_TENSOR', `no node produces '${opts.tensor}'`);
  if (opts.dims.length < 2) throw new GradlocError('BAD_INPUT', `activation loss on '${opts.tensor}': dims need rows and at least one more axis`);
  const g = graph.clone();
  const b = new GraphBuilder(g);
  const dtype = opts.dtype ?? 'float32';
  const target = b.input(opts.target ?? 'activation_target', dtype, [...opts.dims]);
  const weights = b.input(opts.weights ?? 'row_weights', dtype, [opts.dims[0]]);
  const diff = b.op('Sub', [opts.tensor, target]);
  // Flatten keeps the rule rank-agnostic: [rows, everything else]
  const sq = b.op('Flatten', [b.op('Mul', [diff, diff])], { axis: 1 });
  const emit = new Emit(b, g.opset(''));
  const rowMean = emit.reduce('ReduceMean', sq, [1], false);
  b.op('Identity', [emit.reduce('ReduceSum', b.op('Mul', [rowMean, weights]), [0], false)], {}, { outputs: [loss] });
  b.output(loss, dtype, []);
  return g;
}
