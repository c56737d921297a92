/**
 * Dead-node removal. onnxruntime runs every node of a session whatever outputs a run asks
 * for (measured: a 4-scene OFVL model answers one scene's outputs in the time of all four),
 * so a caller that only ever needs some outputs gets them faster from a pruned copy.
 */
import { GradlocError } from '../errors.js';
import type { Graph, Node } from './graph.js';

/** Drops, in place, the nodes and initializers that none of the graph's outputs needs. */
export function pruneDeadNodes(g: Graph): void {
  const needed = new Set(g.outputs.map((o) => o.name));
  const keep: Node[] = [];
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i];
    if (!n.outputs.some((o) => needed.has(o))) continue;
    keep.push(n);
    for (const x of n.inputs) if (x) needed.add(x);
  }
  keep.reverse();
  g.nodes = keep;
  // Subgraphs (If/Loop bodies) may read outer initializers implicitly: keep those.
  const hasSubgraphs = keep.some((n) => n.proto.attribute.some((a) => a.g || a.graphs.length));
  if (!hasSubgraphs) for (const name of [...g.initializers.keys()]) if (!needed.has(name)) g.initializers.delete(name);
}

/**
 * A copy of `g` computing only `outputs` (which must be outputs of `g`): the other outputs,
 * the nodes only they need, and their initializers are gone. Inputs are kept, used or not,
 * so the copy takes the same feeds.
 */
export function pruneToOutputs(g: Graph, outputs: readonly string[]): Graph {
  const known = new Set(g.outputs.map((o) => o.name));
  const missing = outputs.filter((o) => !known.has(o));
  if (missing.length) throw new GradlocError('UNKNOWN_TENSOR', `not an output of the graph: ${missing.join(', ')} (outputs: ${[...known].join(', ')})`);
  const copy = g.clone();
  const wanted = new Set(outputs);
  copy.outputs = copy.outputs.filter((o) => wanted.has(o.name));
  pruneDeadNodes(copy);
  return copy;
}
