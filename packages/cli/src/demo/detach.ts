/**
 * A copy of a graph in which one intermediate tensor is a graph input. Reverse-mode
 * gradients w.r.t. an intermediate treat it as a free variable, which is exactly what
 * perturbing this input does, so finite differences on the copy check them.
 */
import { GradlocError, Graph, type Tensor } from '@gradloc/tensor-backend';

export function detach(source: Graph, name: string, value: Tensor): Graph {
  const g = Graph.fromModel(source.toModel());
  const at = g.nodes.findIndex((n) => n.outputs.includes(name));
  if (at < 0) throw new GradlocError('UNKNOWN_TENSOR', `no node produces '${name}'`);
  const producer = g.nodes[at];
  if (producer.outputs.some((o) => o && o !== name)) {
    throw new GradlocError('BAD_INPUT', `cannot detach '${name}': ${producer.describe()} has other outputs`);
  }
  g.nodes.splice(at, 1);
  g.addInput(name, value.dtype, [...value.dims]);

  // Keep only what the outputs still need, so onnxruntime sees no dead inputs or weights.
  const needed = new Set(g.outputs.map((o) => o.name));
  const keep = [];
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i];
    if (!n.outputs.some((o) => needed.has(o))) continue;
    keep.push(n);
    for (const x of n.inputs) if (x) needed.add(x);
  }
  g.nodes = keep.reverse();
  g.inputs = g.inputs.filter((i) => needed.has(i.name));
  for (const k of [...g.initializers.keys()]) if (!needed.has(k)) g.initializers.delete(k);
  return g;
}
