/** Which initializers a trainer trains. */
import { GradlocError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import { dtypeFromOnnx } from '../tensor/dtype.js';
import { requireTrainable } from './float-array.js';
import { matchesParam, type ParamMatcher } from './param-matcher.js';

/**
 * Initializer slots that hold statistics or sizes, not weights (PyTorch buffers and
 * exporters' constants): never trained by default.
 */
const NOT_WEIGHTS: Readonly<Record<string, readonly number[]>> = {
  BatchNormalization: [3, 4],
  Resize: [1, 2],
  Upsample: [1],
};

/**
 * Default: every float32/float64 initializer of rank >= 1 that no node reads in a
 * NOT_WEIGHTS slot (so running means, variances and scalar constants stay fixed). A matcher
 * narrows that default; a list names the parameters exactly (any float initializer).
 */
export function selectParams(graph: Graph, select?: ParamMatcher | readonly string[]): string[] {
  if (Array.isArray(select)) {
    for (const name of select as readonly string[]) {
      const t = graph.initializers.get(name);
      if (!t) throw new GradlocError('UNKNOWN_TENSOR', `no initializer named '${name}' to train`);
      requireTrainable(name, dtypeFromOnnx(t.data_type ?? 1));
    }
    return [...new Set(select as readonly string[])];
  }
  const buffers = new Set<string>();
  for (const n of graph.nodes) for (const i of NOT_WEIGHTS[n.op] ?? []) if (n.inputs[i]) buffers.add(n.inputs[i]);
  const names: string[] = [];
  for (const [name, t] of graph.initializers) {
    const dtype = dtypeFromOnnx(t.data_type ?? 1);
    if ((dtype !== 'float32' && dtype !== 'float64') || t.dims.length === 0 || buffers.has(name)) continue;
    if (select === undefined || matchesParam(select as ParamMatcher, name)) names.push(name);
  }
  if (names.length === 0) throw new GradlocError('BAD_INPUT', 'no trainable parameters: the model has no float initializers matching the selection');
  return names;
}
