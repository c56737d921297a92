/**
 * Node-list surgery shared by the exporters. GraphBuilder appends at the end of graph.nodes;
 * a replacement must instead sit where the replaced node was, so the list stays in
 * topological order (its inputs are produced before it, its consumers come after it).
 */
import { GradlocError, GraphBuilder, type Graph, type GraphProto, type Node } from '@gradloc/tensor-backend';

/** Runs `build` (which appends nodes through the builder) and puts those nodes in place of `node`. */
export function spliceReplace(graph: Graph, node: Node, build: (b: GraphBuilder) => void): void {
  const at = graph.nodes.indexOf(node);
  if (at < 0) throw new GradlocError('BAD_INPUT', `${node.describe()} is not in the graph`);
  const before = graph.nodes.length;
  const b = new GraphBuilder(graph);
  build(b);
  const added = graph.nodes.splice(before);
  graph.nodes.splice(at, 1, ...added);
}

/** Inputs read inside control-flow bodies can name outer-scope initializers too. */
function addSubgraphInputs(g: GraphProto, used: Set<string>): void {
  for (const n of g.node) {
    for (const i of n.input) used.add(i);
    for (const a of n.attribute) for (const sub of [...(a.g ? [a.g] : []), ...a.graphs]) addSubgraphInputs(sub, used);
  }
}

/** Removes the named initializers that no node (or subgraph) reads and no graph output exposes. */
export function dropUnusedInitializers(graph: Graph, names: readonly string[]): void {
  const used = new Set<string>(graph.outputs.map((o) => o.name));
  for (const n of graph.nodes) {
    for (const i of n.inputs) used.add(i);
    for (const a of n.proto.attribute) for (const sub of [...(a.g ? [a.g] : []), ...a.graphs]) addSubgraphInputs(sub, used);
  }
  for (const name of names) if (!used.has(name)) graph.initializers.delete(name);
}
