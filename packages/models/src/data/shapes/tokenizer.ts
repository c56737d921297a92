/**
 * The closed word vocabulary of `shapes` phrases and captions, and a fixed-length tokenizer for
 * the grounding and CLIP text encoders: `<bos> words... <eos> <pad>...`, lower-cased, split on
 * anything that is not a letter (so caption commas vanish). The id of a word never changes, as
 * trained text encoders depend on it: new words may only be appended.
 */
import { int64, type Tensor } from '@gradloc/tensor-backend';
import { COUNT_WORDS, pluralOf } from './captions.js';
import { COLOURS } from './palette.js';
import { SHAPES } from './shape-geometry.js';

export const SHAPES_PAD_ID = 0;
export const SHAPES_UNK_ID = 1;
export const SHAPES_BOS_ID = 2;
export const SHAPES_EOS_ID = 3;

const VOCAB: readonly string[] = Object.freeze([
  '<pad>',
  '<unk>',
  '<bos>',
  '<eos>',
  'a',
  'an',
  'the',
  'and',
  ...COUNT_WORDS,
  ...COLOURS,
  ...SHAPES,
  ...SHAPES.map(pluralOf),
]);
const IDS = new Map(VOCAB.map((w, i) => [w, i]));

/**
 * Fits every caption of the default 1-4 objects with room to spare: at most 4 x 3 words + one
 * "and" (commas are dropped) + <bos> + <eos> = 15. Pass more for scenes of more objects.
 */
export const SHAPES_MAX_TOKENS = 20;

/** Every token, id = position (specials first). */
export const shapesVocabulary = (): readonly string[] => VOCAB;

/** Lower-cased words of a phrase; punctuation separates words and is dropped. */
export const phraseWords = (text: string): string[] => text.toLowerCase().split(/[^a-z]+/).filter(Boolean);

/**
 * Ids of `<bos> words <eos>` padded with `<pad>` to maxLength. Over-long text keeps its first
 * words and still ends in `<eos>`, so an encoder pooling at `<eos>` always finds one.
 */
export function tokenizePhrase(text: string, maxLength = SHAPES_MAX_TOKENS): number[] {
  if (!Number.isInteger(maxLength) || maxLength < 2) throw new RangeError(`maxLength must be an integer >= 2, got ${maxLength}`);
  const words = phraseWords(text).slice(0, maxLength - 2);
  const ids = [SHAPES_BOS_ID, ...words.map((w) => IDS.get(w) ?? SHAPES_UNK_ID), SHAPES_EOS_ID];
  while (ids.length < maxLength) ids.push(SHAPES_PAD_ID);
  return ids;
}

/** Words of tokenized ids, specials left out (unknown words come back as `<unk>`). */
export function detokenize(ids: ArrayLike<number | bigint>): string {
  const words: string[] = [];
  for (let i = 0; i < ids.length; i++) {
    const id = Number(ids[i]);
    if (id === SHAPES_UNK_ID || id > SHAPES_EOS_ID) words.push(VOCAB[id] ?? '<unk>');
  }
  return words.join(' ');
}

export interface TokenizedPhrases {
  /** [N, maxLength] int64 ids, the layout an ONNX Gather (embedding lookup) takes. */
  readonly ids: Tensor<'int64'>;
  /** Tokens before padding, `<bos>` and `<eos>` included; `<eos>` sits at length - 1. */
  readonly lengths: readonly number[];
}

export function tokenizePhrases(texts: readonly string[], maxLength = SHAPES_MAX_TOKENS): TokenizedPhrases {
  const rows = texts.map((t) => tokenizePhrase(t, maxLength));
  return {
    ids: int64([texts.length, maxLength], rows.flat()),
    lengths: rows.map((r) => r.indexOf(SHAPES_EOS_ID) + 1),
  };
}
