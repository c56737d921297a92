/**
 * A segment (segments.ts) as a model of its own: its nodes, the initializers they read (read
 * from external data now, so only this segment's weights are in memory), the values of
 * earlier segments and the graph inputs it reads as inputs, and the outputs asked for.
 * For the backward pass, `withSeeds` adds the scalar sum(o * o.seed) over the outputs whose
 * cotangent later segments gave: its gradient is exactly the chain rule's across the cut.
 */
import { Emit, Graph, GraphBuilder, tensorToProto, valueInfoToProto, type ExternalDataReader, type ModelProto, type Tensor, type ValueType } from '@gradloc/tensor-backend';
import type { Segment } from './segments.js';

export const SEGMENT_LOSS = 'gwq.segment_loss';
export const cotangentInput = (name: string): string => `${name}.seed`;

export interface SegmentModelSource {
  /** The whole graph as a model (weights may be external). */
  readonly model: ModelProto;
  readonly graph: Graph;
  readonly types: ReadonlyMap<string, ValueType>;
  readonly reader: ExternalDataReader;
  /**
   * Values known before running (computed from input shapes only, e.g. a sequence length or
   * a causal mask sliced to it): a segment gets them as constants, not inputs, so shape
   * inference in the gradient build can read them, as it does in the whole graph.
   */
  readonly known: (name: string) => Tensor | undefined;
}

/** Graph inputs the segment's nodes read (all of them when it is the whole graph: subgraphs may read any). */
function graphInputsRead(src: SegmentModelSource, seg: Segment, whole: boolean): string[] {
  const reads = new Set(seg.nodes.flatMap((n) => n.inputs));
  return src.graph.inputs.map((i) => i.name).filter((n) => whole || reads.has(n));
}

export function segmentGraph(src: SegmentModelSource, seg: Segment, outputs: readonly string[], whole: boolean): Graph {
  const info = (name: string) => {
    const t = src.types.get(name)!;
    return valueInfoToProto({ name, dtype: t.dtype, dims: [...t.dims] });
  };
  const base = src.model.graph!;
  return Graph.fromModel({
    ...src.model,
    metadata_props: [...src.model.metadata_props],
    graph: {
      ...base,
      node: seg.nodes.map((n) => n.proto),
      initializer: [
        ...seg.initializers.map((name) => src.reader.materialized(src.graph.initializers.get(name)!)),
        ...seg.inputs.flatMap((name) => {
          const v = src.known(name);
          return v ? [tensorToProto(name, v)] : [];
        }),
      ],
      input: [...graphInputsRead(src, seg, whole), ...seg.inputs.filter((name) => !src.known(name))].map(info),
      output: outputs.map(info),
      value_info: [],
    },
  });
}

/**
 * Adds SEGMENT_LOSS = sum over `seeded` of sum(o * o.seed) (a scalar o with seed 1, the
 * calibration loss itself, is added as it is) and returns the graph.
 */
export function withSeeds(graph: Graph, seeded: readonly string[], scalarLoss: string | undefined, types: ReadonlyMap<string, ValueType>): Graph {
  const b = new GraphBuilder(graph);
  const emit = new Emit(b, graph.opset());
  const terms = seeded.map((o) => {
    const t = types.get(o)!;
    const seed = b.input(cotangentInput(o), t.dtype, [...t.dims]);
    return emit.reduceSum(b.op('Mul', [o, seed]), [], false);
  });
  if (scalarLoss) terms.push(scalarLoss);
  const total = terms.reduce((acc, t) => b.op('Add', [acc, t]));
  b.op('Identity', [total], {}, { outputs: [SEGMENT_LOSS] });
  b.output(SEGMENT_LOSS, 'float32', []);
  return graph;
}
