import { readFileSync } from 'node:fs';
import { rng } from '@gradloc/tensor-backend';
import { describe, expect, it } from 'vitest';
import {
  BROWN_SPLITS,
  brownTokenizerPath,
  BROWN_VOCAB_SIZE,
  DOC_ID,
  EOS_ID,
  PAD_ID,
  SPECIAL_TOKENS,
  UNK_ID,
  WordTokenizer,
  brownDocuments,
  brownTokenStats,
  brownTokens,
  countWords,
  loadBrownTokenizer,
  normalizeText,
  serializeBrownTokenizer,
  shippedBrownTokenizerMatches,
  trainBrownTokenizer,
  trainWordTokenizer,
} from '../src/data/brown/index.js';

describe('shipped brown tokenizer', () => {
  it('is byte-identical to a retrain on the train split', () => {
    expect(shippedBrownTokenizerMatches()).toBe(true);
    const retrained = trainBrownTokenizer();
    expect(readFileSync(brownTokenizerPath(), 'utf8')).toBe(serializeBrownTokenizer(retrained));
    expect(loadBrownTokenizer().vocab).toEqual(retrained.vocab);
  });

  it('has the documented size and special ids', () => {
    const tok = loadBrownTokenizer();
    expect(tok.size).toBe(BROWN_VOCAB_SIZE);
    expect(tok.vocab.slice(0, 4)).toEqual([...SPECIAL_TOKENS]);
    expect([PAD_ID, UNK_ID, DOC_ID, EOS_ID].map((i) => tok.vocab[i])).toEqual(['<pad>', '<unk>', '<doc>', '<eos>']);
    expect(tok.vocab.slice(4, 8)).toEqual(['the', ',', '.', 'of']);
  });

  it('never learns a word seen only outside train', () => {
    const tok = loadBrownTokenizer();
    const train = countWords(brownDocuments('train').flatMap((d) => d.sentences));
    const heldOut = countWords(brownDocuments('test').flatMap((d) => d.sentences));
    const unseen = [...heldOut.keys()].filter((w) => !train.has(w));
    expect(unseen.length).toBeGreaterThan(1000);
    expect(unseen.filter((w) => tok.has(w))).toEqual([]);
  });

  it('has sane <unk> rates', () => {
    const stats = BROWN_SPLITS.map((s) => brownTokenStats(s));
    for (const s of stats) console.log(`brown ${s.split}: ${s.tokens} tokens, ${s.words} words, <unk> ${(100 * s.unkRate).toFixed(2)}%`);
    expect(stats.map((s) => s.unk)).toEqual([63_842, 10_779, 10_824]);
    expect(stats[0].unkRate).toBeLessThan(0.08);
    for (const s of stats.slice(1)) expect(s.unkRate).toBeGreaterThan(stats[0].unkRate);
    for (const s of stats.slice(1)) expect(s.unkRate).toBeLessThan(0.12);
  });
});

describe('word tokenizer round trip', () => {
  const tok = loadBrownTokenizer();

  it('encode(decode(ids)) == ids for any ids, specials included', () => {
    const rand = rng(7);
    const ids = Array.from({ length: 5000 }, () => Math.floor(rand() * tok.size));
    expect(tok.encode(tok.decode(ids))).toEqual(ids);
    const stream = Array.from(brownTokens('validation').subarray(0, 20_000));
    expect(tok.encode(tok.decode(stream))).toEqual(stream);
  });

  it('decode(encode(text)) == normalised text for in-vocabulary text', () => {
    const known = brownDocuments('train')
      .flatMap((d) => d.sentences)
      .filter((s) => s.every((w) => tok.has(w)))
      .slice(0, 500);
    expect(known.length).toBe(500);
    const text = known.map((s) => s.join(' ')).join('\n  ');
    expect(/[A-Z]/.test(text)).toBe(true);
    expect(tok.decode(tok.encode(text))).toBe(normalizeText(text));
    expect(normalizeText('  The  Jury\tsaid .\n')).toBe('the jury said .');
  });

  it('maps unknown words to <unk>', () => {
    const ids = tok.encode('The zyzzyva said .');
    expect(ids[1]).toBe(UNK_ID);
    expect(tok.decode(ids)).toBe('the <unk> said .');
    expect(() => tok.decode([tok.size])).toThrow(/outside the vocabulary/);
  });
});

describe('trainWordTokenizer', () => {
  it('ranks by count, then code-unit order, skipping specials', () => {
    const counts = new Map([
      ['b', 3],
      ['a', 3],
      ['<unk>', 99],
      ['Z', 5],
      ['c', 1],
    ]);
    expect(() => trainWordTokenizer(counts, 7)).toThrow(/lower-case/);
    counts.delete('Z');
    expect(trainWordTokenizer(counts, 6).vocab).toEqual([...SPECIAL_TOKENS, 'a', 'b']);
    expect(trainWordTokenizer(counts, 10).vocab).toEqual([...SPECIAL_TOKENS, 'a', 'b', 'c']);
  });

  it('validates vocabularies', () => {
    expect(() => new WordTokenizer(['the', ...SPECIAL_TOKENS])).toThrow(/must be '<pad>'/);
    expect(() => new WordTokenizer([...SPECIAL_TOKENS, 'a', 'a'])).toThrow(/twice/);
    expect(() => new WordTokenizer([...SPECIAL_TOKENS, 'a b'])).toThrow(/whitespace-free/);
    expect(() => WordTokenizer.fromJSON({ type: 'bpe' })).toThrow(/not a word-level tokenizer/);
  });
});
