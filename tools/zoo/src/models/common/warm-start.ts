/**
 * Warm starts: a new model begins from the weights of a model the zoo trained before (as
 * LiT and OWL-ViT begin from pretrained towers). Weights are matched by name, after an
 * optional rename; a source tensor is copied whole when the dims agree, and into the leading
 * rows when only the first axis is longer in the target (a text position table grown from
 * 8 to 16 positions keeps its first 8 rows). Everything else keeps its fresh initialisation.
 */
import { join } from 'node:path';
import { Graph, GradlocError, loadModel, tensorFromProto, tensorToProto, type TensorProto } from '@gradloc/tensor-backend';
import { modelDir, type ModelsOptions } from '@gradloc/models';

export interface WarmStartSpec {
  /** The zoo model whose weights are copied (models/<model>/model.onnx). */
  readonly model: string;
  /** Target-name prefix -> source-name prefix, for weights that changed their name. */
  readonly rename?: readonly (readonly [target: string, source: string])[];
  /** Target weights that keep their fresh initialisation even if the source has them. */
  readonly skip?: RegExp;
}

export interface WarmStartReport {
  /** Copied whole. */
  readonly copied: number;
  /** Copied into the leading rows (first axis grown). */
  readonly grown: string[];
  /** Target float weights left at their fresh initialisation. */
  readonly fresh: string[];
}

const isFloat = (t: TensorProto): boolean => t.data_type === 1;

function sourceName(target: string, spec: WarmStartSpec): string {
  for (const [to, from] of spec.rename ?? []) if (target.startsWith(to)) return from + target.slice(to.length);
  return target;
}

/** Copies `source`'s weights into `target` in place (see the file comment for the rules). */
export function warmStartFrom(target: Graph, source: Graph, spec: WarmStartSpec): WarmStartReport {
  let copied = 0;
  const grown: string[] = [];
  const fresh: string[] = [];
  for (const [name, t] of target.initializers) {
    if (!isFloat(t)) continue;
    const s = spec.skip?.test(name) ? undefined : source.initializers.get(sourceName(name, spec));
    if (!s || !isFloat(s)) {
      fresh.push(name);
      continue;
    }
    const [td, sd] = [t.dims.map(Number), s.dims.map(Number)];
    const sameTail = td.length === sd.length && td.slice(1).every((d, i) => d === sd[i + 1]);
    if (!sameTail || sd[0] > td[0]) {
      throw new GradlocError('BAD_MODEL', `warm start from ${spec.model}: '${name}' is [${td.join(', ')}] here but [${sd.join(', ')}] there`);
    }
    const into = tensorFromProto(t);
    const data = new Float32Array(into.data as Float32Array);
    data.set(tensorFromProto(s).data as Float32Array);
    target.initializers.set(name, tensorToProto(name, { dtype: 'float32', dims: td, data }));
    if (sd[0] === td[0]) copied++;
    else grown.push(name);
  }
  return { copied, grown, fresh };
}

/** The graph of a model of the models folder (its weights are what a warm start copies). */
export const zooGraph = (name: string, opts: ModelsOptions = {}): Graph => Graph.fromModel(loadModel(join(modelDir(name, opts), 'model.onnx')));

/** One line for a card: where the weights came from and what was left fresh. */
export function describeWarmStart(spec: WarmStartSpec, r: WarmStartReport): string {
  const renamed = (spec.rename ?? []).map(([to, from]) => `${to}* from ${from}*`).join(', ');
  return (
    `initialised from the zoo's ${spec.model} (models/${spec.model}/model.onnx): ${r.copied + r.grown.length} weight tensors copied by name` +
    (renamed ? ` (${renamed})` : '') +
    (r.grown.length ? `, ${r.grown.join(', ')} into the leading rows` : '') +
    `; fresh: ${r.fresh.length ? r.fresh.join(', ') : 'none'}`
  );
}
