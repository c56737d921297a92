import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  bilingualTokens,
  bilingualTokenStats,
  BilingualTokenizer,
  brownDocuments,
  DOC_ID,
  EOS_ID,
  isSharedToken,
  loadBilingualTokenizer,
  pseudoWord,
  trainBilingualTokenizer,
  UNK_ID,
  writeBilingualTokenizer,
} from '../src/index.js';

const tok = trainBilingualTokenizer({ englishWords: 500 });

describe('bilingual corpus: the cipher language', () => {
  it('is a bijection between English words and invented words, disjoint from English and shared tokens', () => {
    const english = tok.words.vocab.slice(tok.englishStart, tok.cipherStart);
    const cipher = english.map((_, r) => tok.words.vocab[tok.cipherIdOf(tok.englishStart + r)]);
    expect(new Set(cipher).size).toBe(500);
    expect(cipher.every((w) => /^([bdfgklmnprstvz][aeiou])+q$/.test(w))).toBe(true);
    const englishAndShared = new Set(tok.words.vocab.slice(0, tok.cipherStart));
    expect(cipher.some((w) => englishAndShared.has(w))).toBe(false);
    for (let r = 0; r < 500; r++) expect(tok.englishIdOf(tok.cipherIdOf(tok.englishStart + r))).toBe(tok.englishStart + r);
    expect(tok.size).toBe(4 + tok.shared + 1000);
    expect(tok.words.vocab.slice(4, tok.englishStart).every(isSharedToken)).toBe(true);
    // the pairing is permuted: the cipher id is not the English id plus a constant
    const offsets = new Set(english.map((_, r) => tok.cipherIdOf(tok.englishStart + r) - (tok.englishStart + r)));
    expect(offsets.size).toBeGreaterThan(100);
    expect(new Set(Array.from({ length: 5000 }, (_, j) => pseudoWord(j))).size).toBe(5000);
  });

  it('reverses each sentence and keeps a final mark last; shared tokens are the same', () => {
    const c = tok.toCipher(['The', 'man', 'said', '1', ',', 'then', '.']);
    const w = (s: string): string => tok.words.vocab[tok.cipherIdOf(tok.englishId(s))];
    expect(c).toEqual([w('then'), ',', '1', w('said'), w('man'), w('the'), '.']);
    expect(c.every((x, i) => i === 1 || i === 2 || i === 6 || tok.languageOf(tok.words.idOf(x)) === 'cipher')).toBe(true);
    expect(tok.fromCipher(c)).toEqual(['the', 'man', 'said', '1', ',', 'then', '.']);
    expect(tok.toCipher(['good', 'time'])).toEqual([w('time'), w('good')]);
    // opening and closing runs of marks stay; the rule is its own inverse
    expect(tok.toCipher(['.', 'the', 'man', '?', '!'])).toEqual(['.', w('man'), w('the'), '?', '!']);
    expect(tok.fromCipher(tok.toCipher(['.', 'the', 'man']))).toEqual(['.', 'the', 'man']);
    // a word outside the vocabulary is <unk> in both languages
    expect(tok.toCipher(['zyzzogeton'])).toEqual(['<unk>']);
    expect(() => tok.fromCipher(['the'])).toThrow(/'the' is an English word, not a cipher word/);
  });

  it('gives parallel streams: equal length, <doc>/<eos> at the same places, sentence by sentence translations', () => {
    const en = bilingualTokens('test', 'english', tok);
    const cx = bilingualTokens('test', 'cipher', tok);
    expect(cx.length).toBe(en.length);
    let start = 0;
    let sentences = 0;
    for (let i = 0; i < en.length; i++) {
      const marker = en[i] === DOC_ID || en[i] === EOS_ID;
      if (!marker) continue;
      expect(cx[i]).toBe(en[i]);
      if (en[i] === EOS_ID) {
        const back = tok.reorder(Array.from(cx.subarray(start, i))).map((id) => tok.englishIdOf(id));
        expect(back).toEqual(Array.from(en.subarray(start, i)));
        sentences++;
      }
      start = i + 1;
    }
    expect(sentences).toBe(brownDocuments('test').reduce((n, d) => n + d.sentences.length, 0));
    // every train sentence comes back too (train has the sentences that open with a mark)
    const enT = bilingualTokens('train', 'english', tok);
    const cxT = bilingualTokens('train', 'cipher', tok);
    for (let i = 0, s = 0; i < enT.length; i++) {
      if (enT[i] !== DOC_ID && enT[i] !== EOS_ID) continue;
      const back = tok.reorder(Array.from(cxT.subarray(s, i))).map((id) => tok.englishIdOf(id));
      if (back.some((id, j) => id !== enT[s + j])) throw new Error(`train sentence at ${s} does not come back`);
      s = i + 1;
    }
    expect(Array.from(cx).some((id) => tok.languageOf(id) === 'english')).toBe(false);
    expect(Array.from(en).some((id) => tok.languageOf(id) === 'cipher')).toBe(false);
  });

  it("reports the <unk> share computed from the corpus", () => {
    const docs = brownDocuments('test');
    let words = 0;
    let unk = 0;
    for (const d of docs) for (const s of d.sentences) for (const w of s) {
      words++;
      if (tok.englishId(w) === UNK_ID) unk++;
    }
    expect(bilingualTokenStats('test', tok).unkRate).toBeCloseTo(unk / words, 12);
  });

  it('is deterministic and round-trips through its file, which explains itself', () => {
    expect(trainBilingualTokenizer({ englishWords: 500 }).serialize()).toBe(tok.serialize());
    const dir = mkdtempSync(join(tmpdir(), 'gradloc-bilingual-'));
    try {
      const path = join(dir, 'tokenizer.json');
      writeBilingualTokenizer(path, tok);
      const back = loadBilingualTokenizer(path);
      expect(back.serialize()).toBe(tok.serialize());
      expect(back.cipherIdOf(back.englishId('the'))).toBe(tok.cipherIdOf(tok.englishId('the')));
      const json = JSON.parse(readFileSync(path, 'utf8')) as { trainedOn: Record<string, unknown> };
      expect(json.trainedOn).toMatchObject({ kind: 'bilingual-cipher', englishWords: 500, shared: tok.shared });
      expect(() => BilingualTokenizer.parse({ ...json, trainedOn: {} })).toThrow(/not a bilingual tokenizer file/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
    expect(() => trainBilingualTokenizer({ englishWords: 0 })).toThrow(/englishWords must be a positive integer/);
  });
});
