/**
 * Cutting a graph into a chain of segments so calibration can hold one segment's weights at
 * a time (stream/calibrate-stream.ts). A cut after node p of the topological order carries
 * the values produced at or before p and read after it; the cuts kept are those carrying the
 * fewest float values (for a transformer: the residual stream between blocks, plus integer or
 * boolean side values such as the causal mask), merged until each segment holds at least
 * `minParams` weights. One segment = the whole graph, i.e. the in-memory calibration.
 */
import { topoSort, type Graph, type Node, type TensorProto } from '@gradloc/tensor-backend';

export interface Segment {
  /** The segment's nodes, in topological order. */
  readonly nodes: readonly Node[];
  /** Values produced by earlier segments that this one reads. */
  readonly inputs: readonly string[];
  /** Values this segment produces that later segments or the graph's outputs read. */
  readonly outputs: readonly string[];
  /** Initializers its nodes read. */
  readonly initializers: readonly string[];
  /** Weight elements of those initializers (float ones). */
  readonly params: number;
}

const FLOAT_TYPES = new Set([1, 10, 11, 16]);
const elements = (t: TensorProto): number => t.dims.reduce((a, d) => a * Number(d), 1);

export interface PartitionOptions {
  /** Weights per segment before a cut is taken (default 16M: a model that small is one segment). */
  readonly minParams?: number;
  /** Whether a value is float (its gradient flows across a cut); from type inference. */
  readonly isFloat: (name: string) => boolean;
}

export function partition(graph: Graph, opts: PartitionOptions): Segment[] {
  const nodes = topoSort(graph);
  const index = new Map<string, number>();
  nodes.forEach((n, i) => n.outputs.forEach((o) => o && index.set(o, i)));
  const lastRead = new Map<string, number>();
  nodes.forEach((n, i) => n.inputs.forEach((x) => x && index.has(x) && lastRead.set(x, i)));
  // float values alive across the cut after node p: produced at <= p, read at > p
  const delta = new Int32Array(nodes.length + 1);
  for (const [name, last] of lastRead) {
    if (!opts.isFloat(name)) continue;
    delta[index.get(name)!] += 1;
    delta[last] -= 1;
  }
  const live = new Int32Array(nodes.length);
  for (let p = 0, run = 0; p < nodes.length; p++) live[p] = run += delta[p];
  const paramsOf = (n: Node): number =>
    n.inputs.reduce((a, x) => {
      const t = graph.initializers.get(x);
      return t && FLOAT_TYPES.has(t.data_type ?? 1) ? a + elements(t) : a;
    }, 0);
  const nodeParams = nodes.map(paramsOf);
  const total = nodeParams.reduce((a, b) => a + b, 0);
  const minParams = opts.minParams ?? 16_000_000;
  // the narrowest interior cuts (ignoring the tails before the first and after the last weight)
  const firstW = nodeParams.findIndex((p) => p > 0);
  const lastW = nodeParams.findLastIndex((p) => p > 0);
  let narrowest = Infinity;
  for (let p = firstW; p >= 0 && p < lastW; p++) narrowest = Math.min(narrowest, live[p]);
  const cuts: number[] = [];
  // a graph with control-flow subgraphs stays whole: its subgraphs may read outer values a cut would hide
  const whole = nodes.some((n) => n.proto.attribute.some((a) => a.g || a.graphs.length > 0));
  let before = nodeParams.slice(0, Math.max(0, firstW)).reduce((a, b) => a + b, 0);
  for (let p = firstW, acc = 0; !whole && p >= 0 && p < lastW; p++) {
    acc += nodeParams[p];
    before += nodeParams[p];
    // the last segment keeps at least half a segment's weights
    if (live[p] === narrowest && acc >= minParams && total - before >= minParams / 2) {
      cuts.push(p);
      acc = 0;
    }
  }
  const bounds = [-1, ...cuts, nodes.length - 1];
  const graphOutputs = new Set(graph.outputs.map((o) => o.name));
  const segments: Segment[] = [];
  for (let s = 0; s + 1 < bounds.length; s++) {
    const lo = bounds[s] + 1;
    const hi = bounds[s + 1];
    const own = nodes.slice(lo, hi + 1);
    const reads = new Set(own.flatMap((n) => n.inputs.filter(Boolean)));
    const inputs = [...reads].filter((x) => (index.get(x) ?? Infinity) < lo);
    const outputs = own.flatMap((n) => n.outputs.filter((o) => o && ((lastRead.get(o) ?? -1) > hi || graphOutputs.has(o))));
    const initializers = [...reads].filter((x) => graph.initializers.has(x));
    segments.push({ nodes: own, inputs, outputs, initializers, params: own.reduce((a, n) => a + paramsOf(n), 0) });
  }
  return segments;
}
