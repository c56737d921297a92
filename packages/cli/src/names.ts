/**
 * Resolving tensor names given on the command line (--of, --wrt) against a model, before
 * anything is compiled, so a typo fails fast with the flag that caused it. Names are
 * never split on ':' '/' '.', which exporters use freely (`onnx::MatMul_12`,
 * `/layer1/conv/Conv_output_0`).
 */
import { GradlocError, parseTarget, type OnnxModel, type Target } from '@gradloc/tensor-backend';

/** Every tensor name in the graph: inputs, initializers and node outputs. */
export function tensorNames(model: OnnxModel): Set<string> {
  const g = model.graph;
  const names = new Set<string>([...g.inputs.map((i) => i.name), ...g.initializers.keys()]);
  for (const n of g.nodes) for (const o of n.outputs) if (o) names.add(o);
  return names;
}

const unknown = (flag: string, name: string): GradlocError =>
  new GradlocError('UNKNOWN_TENSOR', `${flag} '${name}': no tensor of that name in the model (not an input, initializer or node output)`);

/** `NAME` or `NAME[i,j,...]`. A name that exists in the model as written is taken verbatim, brackets and all. */
export function parseOf(spec: string, known: ReadonlySet<string>): Target {
  if (known.has(spec)) return { output: spec };
  if (spec.trim() === '') throw new GradlocError('BAD_INPUT', '--of is empty; give NAME or NAME[i,j,...]');
  const t = parseTarget(spec);
  if (!t.index && /[[\]]/.test(spec)) {
    throw new GradlocError('BAD_INPUT', `bad --of '${spec}': expected NAME or NAME[i,j,...] with whole-number indices, e.g. logits[0,105]`);
  }
  if (!known.has(t.output)) throw unknown('--of', t.output);
  return t;
}

/**
 * --wrt values: each may be a comma-separated list; `@initializers` is every float
 * initializer. A value that is itself a tensor name is not split (names may hold commas).
 * Duplicates are dropped, order kept.
 */
export function resolveWrt(model: OnnxModel, values: readonly string[], known: ReadonlySet<string>): string[] {
  const parts = values.flatMap((v) => (known.has(v) ? [v] : v.split(',').map((p) => (known.has(p) ? p : p.trim())))).filter((p) => p !== '');
  if (parts.length === 0) throw new GradlocError('BAD_INPUT', '--wrt names no tensors');
  for (const p of parts) if (p !== '@initializers' && !known.has(p)) throw unknown('--wrt', p);
  const wrt = model.expandWrt(parts);
  if (wrt.length === 0) throw new GradlocError('BAD_INPUT', '--wrt @initializers: the model has no float initializers');
  return wrt;
}
