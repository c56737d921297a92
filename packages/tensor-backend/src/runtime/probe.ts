/**
 * Types of every value from one onnxruntime run with all intermediates exposed as
 * outputs: the fallback for ops that have no shape rule here (contrib ops in exports).
 */
import { encodeModel } from '../onnx/model-io.js';
import { Graph } from '../ir/graph.js';
import type { ValueType } from '../shape/types.js';
import type { Tensor } from '../tensor/tensor.js';
import { createSession, type RuntimeOptions } from './session.js';

export async function probeTypes(graph: Graph, feeds: Readonly<Record<string, Tensor>>, options: RuntimeOptions): Promise<Map<string, ValueType>> {
  const g = Graph.fromModel(graph.toModel({ keepValueInfo: false }));
  const existing = new Set(g.outputs.map((o) => o.name));
  for (const n of g.nodes) for (const o of n.outputs) if (o && !existing.has(o)) g.addOutput(o, 'float32', null);
  // dtypes are unknown up front: outputs without a type are typed by onnxruntime itself
  const proto = g.toModel({ keepValueInfo: false });
  const declared = new Set(graph.outputs.map((o) => o.name));
  for (const o of proto.graph!.output) if (!declared.has(o.name ?? '')) delete o.type;
  const session = await createSession(encodeModel(proto), options);
  try {
    const out = await session.run(feeds);
    return new Map(Object.entries(out).map(([k, t]) => [k, { dtype: t.dtype, dims: [...t.dims] }]));
  } finally {
    await session.release();
  }
}
