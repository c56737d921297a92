/**
 * Parallel token streams of a Brown split in both languages: per document `<doc>`, per
 * sentence its tokens then `<eos>`; the cipher stream is the English one sentence by sentence
 * through the word cipher and the order change, so both have equal length and the same
 * `<doc>`/`<eos>` positions.
 */
import { brownDocuments, type BrownSplit } from '../brown/split.js';
import { DOC_ID, EOS_ID, UNK_ID } from '../brown/word-tokenizer.js';
import type { BilingualLanguage, BilingualTokenizer } from './tokenizer.js';

const cache = new WeakMap<BilingualTokenizer, Map<string, Int32Array>>();

export function bilingualTokens(split: BrownSplit, language: BilingualLanguage, tok: BilingualTokenizer): Int32Array {
  let byKey = cache.get(tok);
  if (!byKey) cache.set(tok, (byKey = new Map()));
  const hit = byKey.get(`${split}:${language}`);
  if (hit) return hit;
  const english: number[] = [];
  const cipher: number[] = [];
  for (const d of brownDocuments(split)) {
    english.push(DOC_ID);
    cipher.push(DOC_ID);
    for (const s of d.sentences) {
      const ids = s.map((w) => tok.englishId(w));
      english.push(...ids, EOS_ID);
      cipher.push(...tok.reorder(ids.map((id) => tok.cipherIdOf(id))), EOS_ID);
    }
  }
  byKey.set(`${split}:english`, Int32Array.from(english));
  byKey.set(`${split}:cipher`, Int32Array.from(cipher));
  return byKey.get(`${split}:${language}`)!;
}

export interface BilingualStats {
  readonly split: BrownSplit;
  readonly tokens: number;
  /** <unk> share of corpus words (the same in both languages). */
  readonly unkRate: number;
}

export function bilingualTokenStats(split: BrownSplit, tok: BilingualTokenizer): BilingualStats {
  const ids = bilingualTokens(split, 'english', tok);
  let unk = 0;
  let words = 0;
  for (const id of ids) {
    if (id === DOC_ID || id === EOS_ID) continue;
    words++;
    if (id === UNK_ID) unk++;
  }
  return { split, tokens: ids.length, unkRate: unk / words };
}
