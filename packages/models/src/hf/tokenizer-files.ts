/**
 * The shapes word tokenizer (data/shapes/tokenizer.ts) as Hugging Face tokenizer files, so
 * transformers.js (and the tokenizers library) give the zoo's ids: lower-case, anything not a
 * letter separates words, one id per known word (a WordPiece model whose vocabulary holds only
 * whole words, the tokenizers libraries' portable way to say "word level": an unknown word is
 * `<unk>`), `<bos> ... <eos>` around every text, `<pad>` (id 0) to pad.
 */
import { shapesVocabulary } from '../data/shapes/index.js';

const SPECIAL = { pad: '<pad>', unk: '<unk>', bos: '<bos>', eos: '<eos>' } as const;

export interface TokenizerFiles {
  readonly 'tokenizer.json': object;
  readonly 'tokenizer_config.json': object;
  readonly 'special_tokens_map.json': object;
}

/** `maxLength`: the model's position table (texts are truncated to it, specials included). */
export function shapesTokenizerFiles(maxLength: number): TokenizerFiles {
  const words = shapesVocabulary();
  const vocab = Object.fromEntries(words.map((w, i) => [w, i]));
  const specials = Object.values(SPECIAL);
  const template = (t: string): { id: string; ids: number[]; tokens: string[] } => ({ id: t, ids: [vocab[t]], tokens: [t] });
  return {
    'tokenizer.json': {
      version: '1.0',
      truncation: null,
      padding: null,
      added_tokens: specials.map((t) => ({ id: vocab[t], content: t, single_word: false, lstrip: false, rstrip: false, normalized: false, special: true })),
      normalizer: { type: 'Sequence', normalizers: [{ type: 'Lowercase' }, { type: 'Replace', pattern: { Regex: '[^a-z]+' }, content: ' ' }] },
      pre_tokenizer: { type: 'WhitespaceSplit' },
      post_processor: {
        type: 'TemplateProcessing',
        single: [{ SpecialToken: { id: SPECIAL.bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: SPECIAL.eos, type_id: 0 } }],
        pair: [{ SpecialToken: { id: SPECIAL.bos, type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { Sequence: { id: 'B', type_id: 0 } }, { SpecialToken: { id: SPECIAL.eos, type_id: 0 } }],
        special_tokens: { [SPECIAL.bos]: template(SPECIAL.bos), [SPECIAL.eos]: template(SPECIAL.eos) },
      },
      decoder: { type: 'WordPiece', prefix: '##', cleanup: false },
      model: { type: 'WordPiece', unk_token: SPECIAL.unk, continuing_subword_prefix: '##', max_input_chars_per_word: 100, vocab },
    },
    'tokenizer_config.json': {
      tokenizer_class: 'CLIPTokenizer',
      model_max_length: maxLength,
      pad_token: SPECIAL.pad,
      unk_token: SPECIAL.unk,
      bos_token: SPECIAL.bos,
      eos_token: SPECIAL.eos,
      do_lower_case: true,
      clean_up_tokenization_spaces: false,
    },
    'special_tokens_map.json': { pad_token: SPECIAL.pad, unk_token: SPECIAL.unk, bos_token: SPECIAL.bos, eos_token: SPECIAL.eos },
  };
}
