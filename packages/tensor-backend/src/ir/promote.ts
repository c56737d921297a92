/** Promoting initializers to graph inputs: weights that change per run (training, checks). */
import { GradlocError } from '../errors.js';
import { dtypeFromOnnx } from '../tensor/dtype.js';
import { Graph } from './graph.js';

/** A copy of the graph where the named initializers are graph inputs (fed at run time). */
export function promoteInitializers(graph: Graph, names: readonly string[]): Graph {
  const g = Graph.fromModel(graph.toModel());
  for (const name of names) {
    const t = g.initializers.get(name);
    if (!t) throw new GradlocError('UNKNOWN_TENSOR', `no initializer named '${name}'`);
    g.initializers.delete(name);
    g.addInput(name, dtypeFromOnnx(t.data_type ?? 1), t.dims.map(Number));
  }
  return g;
}
