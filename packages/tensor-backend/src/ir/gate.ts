/**
 * Gates: a graph input that multiplies an intermediate tensor, so one compiled session runs
 * both the plain forward (gate of ones) and a masked one (zeros where units are switched
 * off) - SGTM's activation masking of forget units, dropout-style ablations, head pruning.
 * A zero gate also stops the gradient: whatever produced the gated elements gets none from
 * them, exactly as if the units were absent.
 *
 * A 'route' gate leaves the VALUE alone and gates only the gradient:
 * y = x * g + stop_gradient(x) * (1 - g), the detach-based routing of Cloud et al.'s
 * gradient routing (y equals x exactly for g in {0, 1}).
 */
import { GradlocError } from '../errors.js';
import type { DType } from '../tensor/dtype.js';
import { stopGradient } from '../autodiff/stop-gradient.js';
import { tensor } from '../tensor/tensor.js';
import { GraphBuilder } from './builder.js';
import { Graph, Node, type Dim } from './graph.js';

export interface Gate {
  /** The intermediate tensor to multiply (a node output of the graph). */
  readonly tensor: string;
  /** Name of the new graph input. */
  readonly input: string;
  /** The gate's dims, broadcast against the tensor (e.g. [hidden] for [B, T, hidden]). */
  readonly dims: readonly Dim[];
  /** Default float32. */
  readonly dtype?: DType;
  /** 'value' (default): y = x * g. 'route': y = x, gradient into x multiplied by g. */
  readonly kind?: 'value' | 'route';
}

/**
 * A copy of `graph` where every node reading `gate.tensor` reads `tensor * input` instead.
 * Graph outputs keep the ungated value.
 */
export function gateTensors(graph: Graph, gates: readonly Gate[]): Graph {
  const g = graph.clone();
  const produced = new Set(g.nodes.flatMap((n) => n.outputs));
  const b = new GraphBuilder(g);
  const renamed = new Map<string, string>();
  for (const gate of gates) {
    if (!produced.has(gate.tensor)) throw new GradlocError('UNKNOWN_TENSOR', `gate '${gate.input}': no node produces '${gate.tensor}'`);
    if (g.inputs.some((i) => i.name === gate.input) || g.initializers.has(gate.input)) {
      throw new GradlocError('BAD_INPUT', `gate input '${gate.input}' is already a name in the graph`);
    }
    if (renamed.has(gate.tensor)) throw new GradlocError('BAD_INPUT', `'${gate.tensor}' is gated twice`);
    g.addInput(gate.input, gate.dtype ?? 'float32', [...gate.dims]);
    b.reserve(gate.input);
    renamed.set(gate.tensor, b.fresh(`${gate.tensor}::gated`));
  }
  const count = g.nodes.length;
  const muls = new Map<string, Node[]>();
  for (const gate of gates) {
    const from = g.nodes.length;
    const out = renamed.get(gate.tensor)!;
    if (gate.kind === 'route') {
      const open = b.op('Mul', [gate.tensor, gate.input]);
      const closed = b.op('Sub', [b.constant(tensor(gate.dtype ?? 'float32', [], [1]), 'one'), gate.input]);
      b.op('Add', [open, b.op('Mul', [stopGradient(b, gate.tensor), closed])], {}, { outputs: [out] });
    } else b.op('Mul', [gate.tensor, gate.input], {}, { outputs: [out] });
    muls.set(gate.tensor, g.nodes.slice(from));
  }
  // readers rewired as fresh Node objects (the source graph's protos stay untouched); each
  // Mul right after its producer, so the node list stays in topological order
  const order: Node[] = [];
  for (const n of g.nodes.slice(0, count)) {
    order.push(n.inputs.some((i) => renamed.has(i)) ? new Node({ ...n.proto, input: n.inputs.map((i) => renamed.get(i) ?? i) }) : n);
    for (const o of n.outputs) order.push(...(muls.get(o) ?? []));
  }
  g.nodes = order;
  return g;
}
