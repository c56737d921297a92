/**
 * A word-level tokenizer with `<unk>`: text is lower-cased and split on whitespace (the input
 * is expected to be tokenized already, as the Brown corpus is: punctuation marks are separate
 * tokens), and every token is looked up in a fixed vocabulary - the most frequent training
 * words. Unknown words map to `<unk>` and decode as the literal `<unk>`.
 *
 * Round trip: every vocabulary entry is a distinct, lower-case, whitespace-free string, and
 * decode joins entries with single spaces, so encode(decode(ids)) == ids for ANY valid ids
 * (special tokens included: encode reads `<eos>` etc. back as their ids). In the other
 * direction decode(encode(text)) == normalizeText(text) whenever every word is in the vocabulary.
 */
import { GradlocError } from '@gradloc/tensor-backend';

/** Special tokens, always the first four ids. */
export const SPECIAL_TOKENS = ['<pad>', '<unk>', '<doc>', '<eos>'] as const;
export const PAD_ID = 0;
export const UNK_ID = 1;
/** Starts every document in a token stream (the document separator). */
export const DOC_ID = 2;
/** Ends every sentence (Penn Treebank LM convention), so the model learns sentence ends. */
export const EOS_ID = 3;

/** The text the round trip reproduces: lower case, single spaces, no leading/trailing space. */
export const normalizeText = (text: string): string => text.trim().split(/\s+/).filter(Boolean).join(' ').toLowerCase();

export interface WordTokenizerJSON {
  readonly type: 'word-level';
  readonly version: 1;
  readonly lowercase: true;
  /** Role -> token; their ids are their positions in `vocab`. */
  readonly specials: { readonly pad: string; readonly unk: string; readonly doc: string; readonly eos: string };
  /** Free-form provenance (corpus, split, counts), so the file explains itself. */
  readonly trainedOn: Readonly<Record<string, string | number>>;
  /** Token of id i at position i. */
  readonly vocab: readonly string[];
}

export class WordTokenizer {
  private readonly ids = new Map<string, number>();

  constructor(readonly vocab: readonly string[]) {
    SPECIAL_TOKENS.forEach((s, i) => {
      if (vocab[i] !== s) throw new GradlocError('BAD_INPUT', `tokenizer vocab[${i}] must be '${s}', got '${vocab[i]}'`);
    });
    vocab.forEach((w, i) => {
      if (!w || /\s/.test(w) || w !== w.toLowerCase()) throw new GradlocError('BAD_INPUT', `tokenizer vocab[${i}] '${w}' is not a lower-case whitespace-free token`);
      if (this.ids.has(w)) throw new GradlocError('BAD_INPUT', `tokenizer vocab has '${w}' twice`);
      this.ids.set(w, i);
    });
  }

  get size(): number {
    return this.vocab.length;
  }

  /** Id of one already-split word (lower-cased here), `<unk>` if out of vocabulary. */
  idOf(word: string): number {
    return this.ids.get(word.toLowerCase()) ?? UNK_ID;
  }

  /** True if the word has its own id (not `<unk>`). */
  has(word: string): boolean {
    return this.ids.has(word.toLowerCase());
  }

  encode(text: string): number[] {
    return normalizeText(text)
      .split(' ')
      .filter(Boolean)
      .map((w) => this.idOf(w));
  }

  decode(ids: ArrayLike<number>): string {
    const words = new Array<string>(ids.length);
    for (let i = 0; i < ids.length; i++) {
      const w = this.vocab[ids[i]];
      if (w === undefined) throw new GradlocError('BAD_INPUT', `token id ${ids[i]} outside the vocabulary [0, ${this.size})`);
      words[i] = w;
    }
    return words.join(' ');
  }

  toJSON(trainedOn: WordTokenizerJSON['trainedOn']): WordTokenizerJSON {
    const [pad, unk, doc, eos] = SPECIAL_TOKENS;
    return { type: 'word-level', version: 1, lowercase: true, specials: { pad, unk, doc, eos }, trainedOn, vocab: this.vocab };
  }

  static fromJSON(json: unknown): WordTokenizer {
    const j = json as Partial<WordTokenizerJSON> | null;
    if (!j || j.type !== 'word-level' || j.version !== 1 || !Array.isArray(j.vocab)) {
      throw new GradlocError('BAD_INPUT', 'not a word-level tokenizer file (type "word-level", version 1, vocab [])');
    }
    return new WordTokenizer(j.vocab.map(String));
  }
}

/** Lower-cased word frequencies. */
export function countWords(sentences: Iterable<readonly string[]>): Map<string, number> {
  const counts = new Map<string, number>();
  for (const s of sentences) for (const w of s) {
    const k = w.toLowerCase();
    counts.set(k, (counts.get(k) ?? 0) + 1);
  }
  return counts;
}

/**
 * Specials + the `size - 4` most frequent words. Ties break by code-unit order of the word
 * (not localeCompare, which varies by ICU build), so training is deterministic everywhere.
 */
export function trainWordTokenizer(counts: ReadonlyMap<string, number>, size: number): WordTokenizer {
  if (!(Number.isInteger(size) && size > SPECIAL_TOKENS.length)) {
    throw new GradlocError('BAD_INPUT', `vocabulary size must be an integer > ${SPECIAL_TOKENS.length}, got ${size}`);
  }
  const specials = new Set<string>(SPECIAL_TOKENS);
  const ranked = [...counts].filter(([w]) => !specials.has(w)).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  return new WordTokenizer([...SPECIAL_TOKENS, ...ranked.slice(0, size - SPECIAL_TOKENS.length).map(([w]) => w)]);
}
