/**
 * The graph IR: a mutable, typed view of an ONNX GraphProto. Nodes keep their original
 * AttributeProtos (and unknown fields), so untouched parts of a model write back bit-exact.
 */
import { GradlocError } from '../errors.js';
import type { GraphProto, ModelProto, NodeProto, TensorProto, ValueInfoProto } from '../onnx/schema.js';
import { dtypeFromOnnx, ONNX_CODE, type DType } from '../tensor/dtype.js';
import { Attrs } from './attributes.js';

/** A dimension: a number when static, the dim_param name (or null) when symbolic. */
export type Dim = number | string | null;

export interface ValueInfo {
  name: string;
  dtype: DType;
  dims: Dim[] | null;
}

export class Node {
  readonly attrs: Attrs;
  constructor(readonly proto: NodeProto) {
    this.attrs = new Attrs(proto.attribute, this.describe());
  }
  get op(): string {
    return this.proto.op_type ?? '';
  }
  get domain(): string {
    return this.proto.domain ?? '';
  }
  get name(): string {
    return this.proto.name ?? '';
  }
  /** Input names; '' marks an omitted optional input. */
  get inputs(): string[] {
    return this.proto.input;
  }
  get outputs(): string[] {
    return this.proto.output;
  }
  /** "Conv node 'conv1'" or "Conv node producing 'x'" for messages. */
  describe(): string {
    const op = this.proto.op_type ?? '?';
    return this.proto.name ? `${op} node '${this.proto.name}'` : `${op} node producing '${this.proto.output[0] ?? '?'}'`;
  }
}

export function valueInfoFromProto(v: ValueInfoProto): ValueInfo {
  const tt = v.type?.tensor_type;
  if (!tt) throw new GradlocError('BAD_MODEL', `value '${v.name}' is not a tensor (sequences and maps are not supported)`);
  const dims = tt.shape ? tt.shape.dim.map((d): Dim => (d.dim_value !== undefined ? Number(d.dim_value) : (d.dim_param ?? null))) : null;
  return { name: v.name ?? '', dtype: dtypeFromOnnx(tt.elem_type ?? 1), dims };
}

export function valueInfoToProto(v: ValueInfo): ValueInfoProto {
  return {
    name: v.name,
    type: {
      tensor_type: {
        elem_type: ONNX_CODE[v.dtype],
        shape: v.dims
          ? { dim: v.dims.map((d) => (typeof d === 'number' ? { dim_value: d } : d === null ? {} : { dim_param: d })) }
          : undefined,
      },
    },
  };
}

export class Graph {
  nodes: Node[];
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  readonly initializers: Map<string, TensorProto>;
  /** domain ('' = ai.onnx) -> opset version */
  readonly opsets: Map<string, number>;

  private constructor(
    private readonly modelProto: ModelProto,
    private readonly graphProto: GraphProto,
  ) {
    this.nodes = graphProto.node.map((n) => new Node(n));
    this.initializers = new Map(graphProto.initializer.map((t) => [t.name ?? '', t]));
    // Inputs that are also initializers are defaults (IR < 4); they are not feeds we require.
    this.inputs = graphProto.input.filter((i) => !this.initializers.has(i.name ?? '')).map(valueInfoFromProto);
    this.outputs = graphProto.output.map(valueInfoFromProto);
    this.opsets = new Map(modelProto.opset_import.map((o) => [o.domain ?? '', Number(o.version ?? 0)]));
  }

  static fromModel(model: ModelProto): Graph {
    if (!model.graph) throw new GradlocError('BAD_MODEL', 'model has no graph');
    return new Graph(model, model.graph);
  }

  /** A new empty model at the given default-domain opset. */
  static create(opset = 17, name = 'gradloc'): Graph {
    const graph: GraphProto = { node: [], name, initializer: [], input: [], output: [], value_info: [] };
    const model: ModelProto = {
      ir_version: 8,
      producer_name: 'gradloc',
      opset_import: [{ domain: '', version: opset }],
      metadata_props: [],
      graph,
    };
    return new Graph(model, graph);
  }

  opset(domain = ''): number {
    return this.opsets.get(domain) ?? (domain === '' ? this.opsets.get('ai.onnx') : undefined) ?? 0;
  }

  /** Declared value_info of intermediates (from the file; inference is separate). */
  declaredValueInfo(): ValueInfo[] {
    const out: ValueInfo[] = [];
    for (const v of this.graphProto.value_info) {
      try {
        out.push(valueInfoFromProto(v));
      } catch {
        /* non-tensor value_info entries are not ours to interpret */
      }
    }
    return out;
  }

  get metadata(): ModelProto['metadata_props'] {
    return this.modelProto.metadata_props;
  }

  /** Map from a value name to the node that produces it. */
  producers(): Map<string, Node> {
    const m = new Map<string, Node>();
    for (const n of this.nodes) for (const o of n.outputs) if (o) m.set(o, n);
    return m;
  }

  /** Map from a value name to the nodes that read it. */
  consumers(): Map<string, Node[]> {
    const m = new Map<string, Node[]>();
    for (const n of this.nodes) {
      for (const i of n.inputs) {
        if (!i) continue;
        const list = m.get(i);
        if (list) list.push(n);
        else m.set(i, [n]);
      }
    }
    return m;
  }

  /**
   * Writes the IR back into a ModelProto. Fields the IR does not model (graph
   * value_info, unknown fields, metadata, functions) are carried over from the source.
   */
  toModel(opts: { keepValueInfo?: boolean } = {}): ModelProto {
    const initNames = new Set(this.initializers.keys());
    const graph: GraphProto = {
      ...this.graphProto,
      node: this.nodes.map((n) => n.proto),
      initializer: [...this.initializers.values()],
      input: this.inputs.filter((i) => !initNames.has(i.name)).map(valueInfoToProto),
      output: this.outputs.map(valueInfoToProto),
      value_info: opts.keepValueInfo === false ? [] : this.graphProto.value_info,
    };
    // Keep original proto objects for unchanged inputs/outputs (bit-exact round trip).
    const origIn = new Map(this.graphProto.input.map((v) => [v.name ?? '', v]));
    const origOut = new Map(this.graphProto.output.map((v) => [v.name ?? '', v]));
    graph.input = graph.input.map((v) => sameInfo(origIn.get(v.name ?? ''), v) ?? v);
    graph.output = graph.output.map((v) => sameInfo(origOut.get(v.name ?? ''), v) ?? v);
    const opsetImport = [...this.opsets.entries()].map(([domain, version]) => {
        const orig = this.modelProto.opset_import.find((o) => (o.domain ?? '') === domain);
        return orig && Number(orig.version) === version ? orig : { domain, version };
      });
    return { ...this.modelProto, opset_import: opsetImport, graph };
  }

  /**
   * An independent copy to transform: its node list, inputs, outputs, initializer map and
   * metadata list are its own (tensor and node protos are shared, so replace nodes, do not
   * mutate them).
   */
  clone(): Graph {
    const proto = this.toModel();
    return Graph.fromModel({ ...proto, metadata_props: [...proto.metadata_props] });
  }

  /** Adds an input, output or initializer by name. */
  addInput(name: string, dtype: DType, dims: Dim[]): void {
    this.inputs.push({ name, dtype, dims });
  }
  addOutput(name: string, dtype: DType, dims: Dim[] | null = null): void {
    this.outputs.push({ name, dtype, dims });
  }
}

function sameInfo(orig: ValueInfoProto | undefined, v: ValueInfoProto): ValueInfoProto | undefined {
  if (!orig) return undefined;
  try {
    const a = valueInfoFromProto(orig);
    const b = valueInfoFromProto(v);
    return a.dtype === b.dtype && JSON.stringify(a.dims) === JSON.stringify(b.dims) ? orig : undefined;
  } catch {
    return undefined;
  }
}
