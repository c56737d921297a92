/**
 * The explained score of a dual encoder as one graph output, so that a single
 * vector-Jacobian product reaches both towers: the model plus
 *
 *   similarity[n, 0] = <a_n, b_0> / (|a_n| |b_0|)        a = image embeddings [N, E], b = text [1, E]
 *
 * (the cosine, whatever the towers' own normalisation; N perturbed copies of one image share
 * the caption, which is how the deletion/insertion metrics score). Exact, unlike
 * differentiating `logits_per_image` and dividing by a logit scale (a SigLIP-style bias would
 * break that), and one backward pass instead of one per tower.
 */
import { Emit, GraphBuilder, GradlocError, OnnxModel } from '@gradloc/tensor-backend';

/** The added output's name. */
export const SIMILARITY_OUTPUT = 'gradloc_similarity';

const cache = new WeakMap<OnnxModel, Map<string, OnnxModel>>();

/** `model` with the output `gradloc_similarity` [N, 1] (cached per model and output pair). */
export function similarityModel(model: OnnxModel, imageOutput: string, textOutput: string): OnnxModel {
  const key = `${imageOutput}\u0000${textOutput}`;
  const known = cache.get(model) ?? new Map<string, OnnxModel>();
  cache.set(model, known);
  const hit = known.get(key);
  if (hit) return hit;
  const produced = new Set(model.graph.nodes.flatMap((n) => n.outputs));
  for (const name of [imageOutput, textOutput]) {
    if (!produced.has(name)) throw new GradlocError('UNKNOWN_TENSOR', `no tensor '${name}' in the model (outputs: ${model.outputNames.join(', ')}); name the embedding outputs`);
  }
  if (produced.has(SIMILARITY_OUTPUT)) throw new GradlocError('BAD_MODEL', `the model already has a tensor named '${SIMILARITY_OUTPUT}'`);
  const g = model.graph.clone();
  const b = new GraphBuilder(g);
  const e = new Emit(b, g.opset(''));
  const sumSq = (x: string): string => e.reduce('ReduceSum', b.op('Mul', [x, x]), [1], true);
  const dotAB = e.reduce('ReduceSum', b.op('Mul', [imageOutput, textOutput]), [1], true);
  const norms = b.op('Sqrt', [b.op('Mul', [sumSq(imageOutput), sumSq(textOutput)])]);
  b.op('Div', [dotAB, norms], {}, { outputs: [SIMILARITY_OUTPUT] });
  b.output(SIMILARITY_OUTPUT, 'float32', null);
  const extended = OnnxModel.fromGraph(g, model.options);
  known.set(key, extended);
  return extended;
}

/** Releases the sessions of the similarity models built for `model`. */
export async function releaseSimilarityModels(model: OnnxModel): Promise<void> {
  const known = cache.get(model);
  cache.delete(model);
  for (const m of known?.values() ?? []) await m.release();
}
