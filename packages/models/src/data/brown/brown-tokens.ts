/**
 * A whole split as one token stream: for each document in corpus order, `<doc>`, then every
 * sentence's word ids followed by `<eos>`. Training windows and evaluation windows are both
 * cut from this stream, so they see the same document and sentence boundaries.
 */
import { loadBrownTokenizer } from './brown-tokenizer.js';
import { brownDocuments, type BrownSplit } from './split.js';
import { DOC_ID, EOS_ID, UNK_ID, type WordTokenizer } from './word-tokenizer.js';

const streams = new WeakMap<WordTokenizer, Map<BrownSplit, Int32Array>>();

/** Token ids of a split (cached per tokenizer; treat the array as read-only). */
export function brownTokens(split: BrownSplit, tokenizer: WordTokenizer = loadBrownTokenizer()): Int32Array {
  let bySplit = streams.get(tokenizer);
  if (!bySplit) streams.set(tokenizer, (bySplit = new Map()));
  const hit = bySplit.get(split);
  if (hit) return hit;

  const docs = brownDocuments(split);
  let n = 0;
  for (const d of docs) {
    n += 1;
    for (const s of d.sentences) n += s.length + 1;
  }
  const ids = new Int32Array(n);
  let k = 0;
  for (const d of docs) {
    ids[k++] = DOC_ID;
    for (const s of d.sentences) {
      for (const w of s) ids[k++] = tokenizer.idOf(w);
      ids[k++] = EOS_ID;
    }
  }
  bySplit.set(split, ids);
  return ids;
}

export interface BrownTokenStats {
  readonly split: BrownSplit;
  readonly documents: number;
  readonly sentences: number;
  /** Corpus words (excludes `<doc>` and `<eos>`). */
  readonly words: number;
  /** Stream length (words + one `<eos>` per sentence + one `<doc>` per document). */
  readonly tokens: number;
  readonly unk: number;
  /** `<unk>` share of the corpus words. */
  readonly unkRate: number;
}

export function brownTokenStats(split: BrownSplit, tokenizer: WordTokenizer = loadBrownTokenizer()): BrownTokenStats {
  const docs = brownDocuments(split);
  const sentences = docs.reduce((a, d) => a + d.sentences.length, 0);
  const ids = brownTokens(split, tokenizer);
  let unk = 0;
  for (let i = 0; i < ids.length; i++) if (ids[i] === UNK_ID) unk++;
  const words = ids.length - sentences - docs.length;
  return { split, documents: docs.length, sentences, words, tokens: ids.length, unk, unkRate: unk / words };
}
