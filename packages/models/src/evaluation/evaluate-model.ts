/**
 * `evaluateModel`: a model card's held-out metrics recomputed from its model file, by the
 * model's kind (what `gradloc zoo eval` prints). The training recipes score the model they
 * are about to ship with the same functions on the same data, so a card's numbers come back
 * exactly:
 * - classifier (shapes labels): `accuracy` on test-split scenes 0..N-1;
 * - grounder (shapes vocabulary): `ap50` and `absent_max_score` on test-split scenes 0..N-1;
 * - dual encoder (shapes vocabulary): caption retrieval `top1` and `text_top1`;
 * - language model (Brown tokenizer): `ppl` (test) and `ppl_validation`;
 * - bilingual language model (its tokenizer.json beside it): `retain_loss` (English) and
 *   `forget_loss` (cipher) on the test split.
 * N is the card's `evaluation.samples` (for language models, the windows the card scored)
 * unless `samples` says otherwise.
 */
import { GradlocError, OnnxModel } from '@gradloc/tensor-backend';
import { readCard, type Card, type Metrics } from '../card.js';
import { kindOf } from '../catalog.js';
import { SHAPES } from '../data/shapes/index.js';
import type { ModelsOptions } from '../folder.js';
import { resolveModel } from '../loaders/resolve.js';
import { lmContext } from '../metrics/causal-lm.js';
import { hasShapesVocabulary } from '../preprocessing/vocabulary.js';
import { testAccuracy } from './classifier.js';
import { evaluateRetrieval } from './dual-encoder.js';
import { evaluateGrounder, GROUNDER_OOD_SCENES, grounderCardMetrics, grounderForward } from './grounder.js';
import { evaluateLanguageModel } from './language-model.js';
import { bilingualCardMetrics } from './bilingual.js';
import { loadBilingualTokenizer } from '../data/bilingual/tokenizer.js';
import type { LogitsOf } from '../metrics/perplexity.js';
import { dirname, join } from 'node:path';
import type { RunForward } from './run-forward.js';

export interface EvalOptions extends ModelsOptions {
  /** Held-out samples (windows per split for language models); default: the card's. */
  readonly samples?: number;
  /** onnxruntime intra-op threads. */
  readonly threads?: number;
}

/** Dim `axis` of a graph input or output, which must be a fixed number. */
function fixedDim(model: OnnxModel, tensor: string, axis: number, file: string): number {
  const info = [...model.graph.inputs, ...model.graph.outputs].find((v) => v.name === tensor);
  const d = info?.dims?.[axis];
  if (typeof d !== 'number') throw new GradlocError('BAD_MODEL', `${file}: '${tensor}' needs a fixed dim ${axis} for evaluation`);
  return d;
}

function requireShapesVocabulary(card: Card, file: string): void {
  if (!hasShapesVocabulary(card)) throw new GradlocError('BAD_MODEL', `${file}: no held-out evaluation for this card (its text side is not the shapes vocabulary)`);
}

async function evaluateLoaded(model: OnnxModel, card: Card, file: string, opts: EvalOptions): Promise<Metrics> {
  const samples = opts.samples ?? card.evaluation.samples;
  const run: RunForward = (feeds, outputs) => model.run(feeds, outputs);
  switch (kindOf(card)) {
    case 'classifier':
      if ((card.labels ?? []).join('|') !== SHAPES.join('|')) throw new GradlocError('BAD_MODEL', `${file}: no held-out evaluation for these labels (the shapes classifiers' are ${SHAPES.join(', ')})`);
      return { accuracy: await testAccuracy(model, samples) };
    case 'grounder':
      requireShapesVocabulary(card, file);
    {
      const o = { split: 'test', samples, maxLen: fixedDim(model, 'input_ids', 1, file) } as const;
      // the out-of-distribution split only for cards that report it
      const ood = card.metrics.ap50_ood !== undefined ? await evaluateGrounder(grounderForward(run), { ...o, scenes: GROUNDER_OOD_SCENES }) : undefined;
      return grounderCardMetrics(await evaluateGrounder(grounderForward(run), o), ood);
    }
    case 'dual-encoder':
      requireShapesVocabulary(card, file);
      return evaluateRetrieval(run, { split: 'test', samples, maxLen: fixedDim(model, 'input_ids', 1, file), embed: fixedDim(model, 'image_embeds', 1, file) });
    case 'language-model': {
      const windows = opts.samples === undefined ? card.evaluation.windows : { validation: opts.samples, test: opts.samples };
      return (await evaluateLanguageModel(model, { context: lmContext(model, file), windows, modelsDir: opts.modelsDir })).metrics;
    }
    case 'bilingual-lm': {
      const tok = loadBilingualTokenizer(join(dirname(file), 'tokenizer.json'));
      const logitsOf: LogitsOf = async (b) => (await model.run({ input_ids: b.inputIds }, ['logits'])).logits;
      return bilingualCardMetrics(logitsOf, tok, { context: lmContext(model, file), maxWindows: samples > 0 ? samples : undefined });
    }
    case 'localizer':
      throw new GradlocError('BAD_MODEL', `${file} is a camera localizer: evaluate it with \`gradloc localize eval --model ${card.name}\``);
    default:
      throw new GradlocError('BAD_MODEL', `${file}: its card describes no grounder, classifier, language model or dual encoder, so there is no held-out evaluation`);
  }
}

/** The held-out metrics of the model in `file` as `card` describes it (e.g. a quantized model before its own card exists). */
export async function evaluateModelFile(file: string, card: Card, opts: EvalOptions = {}): Promise<Metrics> {
  const model = OnnxModel.load(file, opts.threads ? { threads: opts.threads } : {});
  try {
    return await evaluateLoaded(model, card, file, opts);
  } finally {
    await model.release();
  }
}

/** The card's held-out metrics recomputed for `spec`: a name in the models folder, a model folder, or an .onnx file with card.json beside it. */
export async function evaluateModel(spec: string, opts: EvalOptions = {}): Promise<Metrics> {
  const { file, dir } = resolveModel(spec, opts);
  return evaluateModelFile(file, readCard(dir), opts);
}
