/** One-op models for rule tests: inputs fed or stored as initializers, outputs typed by inference. */
import type { AttrMap } from '../ir/builder.js';
import { GraphBuilder } from '../ir/builder.js';
import { Graph } from '../ir/graph.js';
import { tensorToProto as toProto } from '../onnx/tensor-proto.js';
import { OnnxModel } from '../runtime/model.js';
import { inferTypes } from '../shape/infer.js';
import type { Tensor } from '../tensor/tensor.js';

export interface OpInput {
  readonly name: string;
  readonly value: Tensor;
  /** Store as an initializer (constant: shapes, axes, indices) instead of a graph input. */
  readonly constant?: boolean;
}

export interface OpModel {
  readonly model: OnnxModel;
  /** Feeds for the non-constant inputs. */
  readonly feeds: Record<string, Tensor>;
  readonly outputs: string[];
}

/**
 * Builds a model with a single `op` node. Pass `null` for an omitted optional input.
 * Output names are y0, y1, ...
 */
export function opModel(
  op: string,
  inputs: readonly (OpInput | null)[],
  attrs: AttrMap = {},
  opts: { opset?: number; numOutputs?: number; domain?: string } = {},
): OpModel {
  const g = Graph.create(opts.opset ?? 17);
  if (opts.domain) g.opsets.set(opts.domain, 1);
  const b = new GraphBuilder(g);
  const feeds: Record<string, Tensor> = {};
  const names = inputs.map((inp) => {
    if (!inp) return '';
    if (inp.constant) {
      b.reserve(inp.name);
      g.initializers.set(inp.name, toProto(inp.name, inp.value));
      return inp.name;
    }
    feeds[inp.name] = inp.value;
    return b.input(inp.name, inp.value.dtype, [...inp.value.dims]);
  });
  const outputs = Array.from({ length: opts.numOutputs ?? 1 }, (_, i) => `y${i}`);
  b.node(op, names, attrs, { outputs, domain: opts.domain });
  const types = inferTypes(g, Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, v.dims])));
  for (const o of outputs) {
    const t = types.types.get(o)!;
    b.output(o, t.dtype, [...t.dims]);
  }
  return { model: OnnxModel.fromGraph(g), feeds, outputs };
}
