/**
 * Opens a grounding model for serving and explaining (`gradloc vps`, the dashboard): a name in
 * the models folder (`shapes-grounder`, `shapes-grounder-gwq4`), a model folder with card.json,
 * an .onnx file beside one, or a Hugging Face folder (OWL-ViT, OWLv2, Grounding DINO, CLIP; hf-folder.ts). The
 * zoo's grounders take pixels in [0, 1] (the graph standardises them) and queries in the
 * shapes word vocabulary, padded to the model's fixed query length.
 */
import { existsSync, statSync } from 'node:fs';
import { GradlocError, OnnxModel, type Feeds, type PreparedPicture, type RgbImage } from '@gradloc/tensor-backend';
import { phraseWords, shapesVocabulary, tokenizePhrases } from '../data/shapes/index.js';
import { readCard, type Card } from '../card.js';
import { isHfGrounderFolder, openHfGrounder, resizeLikePipelines } from './hf-folder.js';
import type { LoadOptions } from './load-options.js';
import { hasShapesVocabulary } from '../preprocessing/vocabulary.js';
import { resolveModel } from './resolve.js';

export interface PhraseText {
  /** [1, T] feeds of the joined text (input_ids, attention_mask, token_type_ids). */
  readonly feeds: Feeds;
  /** Token positions of each query's phrase in that row. */
  readonly spans: readonly (readonly number[])[];
}

export interface GrounderSource {
  readonly name: string;
  readonly model: OnnxModel;
  /** The text side's feeds for one query: input_ids [1, L]. */
  readonly encodeQuery: (query: string) => Feeds;
  /** The tokens of a query as strings, one per input_ids position before the padding (specials included). */
  readonly queryTokens: (query: string) => string[];
  /** The model card (folders with card.json; Hugging Face exports have none). */
  readonly card?: Card;
  /** The card's suggested CAM layer (Grad-CAM baselines). */
  readonly camLayer?: string;
  /** Per-channel normalisation the caller applies (graphs that do not normalise pixels themselves). */
  readonly normalize?: { readonly mean: readonly [number, number, number]; readonly std: readonly [number, number, number] };
  /**
   * The picture at the model's input size, in [0, 1] (not normalised): the folder's own image
   * processor for Hugging Face folders (their resize, OWLv2's padding); undefined: a plain
   * resize to the input size.
   */
  readonly prepare?: (picture: RgbImage) => Promise<PreparedPicture>;
  /**
   * Grounding DINO-contract folders: all queries as phrases of one text row, and each phrase's
   * token positions (logits are over the text's tokens). Undefined: one text row per query.
   */
  readonly phrases?: (queries: readonly string[]) => PhraseText;
  /** Image size for graphs whose pixel input has symbolic H and W. */
  readonly size?: { readonly height: number; readonly width: number };
  /**
   * The words a closed-vocabulary grounder knows (the zoo's shapes grounders), without the
   * special tokens; undefined for open-vocabulary tokenizers (Hugging Face exports).
   */
  readonly vocabulary?: readonly string[];
}

/** A closed vocabulary's words, without the special tokens (<pad>, <unk>, ...). */
const wordsOf = (vocabulary: readonly string[]): string[] => vocabulary.filter((w) => !/^<.*>$/.test(w));

/** Unknown words would silently become <unk>: refuse them, listing the words the model knows. */
function checkWords(query: string, known: ReadonlySet<string>, words: readonly string[]): void {
  const unknown = phraseWords(query).filter((w) => !known.has(w));
  if (phraseWords(query).length === 0) throw new GradlocError('BAD_INPUT', 'the query is empty');
  if (unknown.length) throw new GradlocError('BAD_INPUT', `the query has words the model does not know: ${unknown.join(', ')} (it knows only these ${words.length} words of the shapes scenes: ${words.join(' ')})`);
}

/** A grounder from a name, a model folder, an .onnx file or a Hugging Face export folder. */
export function openGrounder(spec: string, opts: LoadOptions = {}): Promise<GrounderSource> {
  return openTextImageModel(spec, opts, 'grounder');
}

/**
 * Any model taking an image and a text the same way (grounders, dual encoders such as
 * shapes-clip or a Hugging Face CLIP export): `kind` only words the errors.
 */
export async function openTextImageModel(spec: string, opts: LoadOptions, kind: string): Promise<GrounderSource> {
  const runtime = opts.runtime ?? {};
  if (existsSync(spec) && statSync(spec).isDirectory() && isHfGrounderFolder(spec)) return openHfGrounder(spec, runtime);
  const { name, file, dir } = resolveModel(spec, opts);
  const card = readCard(dir);
  if (!hasShapesVocabulary(card)) {
    throw new GradlocError('BAD_MODEL', `${dir}/card.json does not describe a shapes-vocabulary ${kind} (preprocessing.vocabulary differs)`);
  }
  const model = OnnxModel.load(file, runtime);
  const ids = model.graph.inputs.find((i) => i.name === 'input_ids');
  const maxLen = ids?.dims?.[1];
  const [h, w] = model.graph.inputs.find((i) => i.name === 'pixel_values')?.dims?.slice(2) ?? [];
  if (typeof maxLen !== 'number') {
    void model.release();
    throw new GradlocError('BAD_MODEL', `${file}: input_ids needs a fixed query length`);
  }
  const known = new Set(shapesVocabulary());
  const vocabulary = wordsOf(shapesVocabulary());
  return {
    name,
    model,
    card,
    camLayer: card.camLayers?.[0],
    vocabulary,
    // resized as transformers.js resizes (the exported folder's preprocessor says the same)
    ...(typeof h === 'number' && typeof w === 'number' ? { prepare: (picture: RgbImage) => resizeLikePipelines(picture, w, h) } : {}),
    queryTokens: (query) => ['<bos>', ...phraseWords(query), '<eos>'],
    encodeQuery: (query) => {
      checkWords(query, known, vocabulary);
      return { input_ids: tokenizePhrases([query], maxLen).ids };
    },
  };
}
