import { describe, expect, it } from 'vitest';
import { BROWN_SPLITS, brownDocuments, brownSplitIds, brownSplitOf, loadBrownCorpus, parseBrownSplit } from '../src/data/brown/index.js';

describe('brown corpus', () => {
  it('parses all 500 documents once and caches them', () => {
    const corpus = loadBrownCorpus();
    console.log(`brown corpus load: ${corpus.loadMs.toFixed(0)} ms (${corpus.documents.length} documents)`);
    expect(corpus.documents).toHaveLength(500);
    expect(loadBrownCorpus()).toBe(corpus);
    // Generous bound: it is ~0.3 s alone, but the CPU is shared with other test workers.
    expect(corpus.loadMs).toBeLessThan(10_000);
  });

  it('strips POS tags, keeping words that contain slashes', () => {
    const [ca01] = loadBrownCorpus().documents;
    expect(ca01.id).toBe('ca01');
    expect(ca01.category).toBe('news');
    expect(ca01.sentences[0].slice(0, 8)).toEqual(['The', 'Fulton', 'County', 'Grand', 'Jury', 'said', 'Friday', 'an']);
    const words = loadBrownCorpus().documents.flatMap((d) => d.sentences.flat());
    expect(words).toHaveLength(1_161_192);
    expect(words).toContain('and/or');
    expect(words.some((w) => /\/(nn|vbd|at|in)$/.test(w))).toBe(false);
  });
});

describe('brown split', () => {
  it('assigns documents by the every-10th rule', () => {
    expect([0, 7, 8, 9, 10, 18, 499].map(brownSplitOf)).toEqual(['train', 'train', 'validation', 'test', 'train', 'validation', 'test']);
    expect(brownSplitIds('validation').slice(0, 3)).toEqual(['ca09', 'ca19', 'ca29']);
    expect(brownSplitIds('test').slice(0, 3)).toEqual(['ca10', 'ca20', 'ca30']);
  });

  it('is disjoint, complete and has fixed sizes', () => {
    const ids = BROWN_SPLITS.map((s) => brownSplitIds(s));
    expect(ids.map((x) => x.length)).toEqual([400, 50, 50]);
    const all = new Set(ids.flat());
    expect(all.size).toBe(500);
    expect([...all].sort()).toEqual(loadBrownCorpus().documents.map((d) => d.id));
    const sizes = BROWN_SPLITS.map((s) => {
      const docs = brownDocuments(s);
      return { sentences: docs.reduce((a, d) => a + d.sentences.length, 0), words: docs.reduce((a, d) => a + d.sentences.reduce((b, x) => b + x.length, 0), 0) };
    });
    expect(sizes).toEqual([
      { sentences: 46_175, words: 929_728 },
      { sentences: 5_523, words: 115_661 },
      { sentences: 5_642, words: 115_803 },
    ]);
  });

  it('spreads every genre over every split', () => {
    const genres = (s: (typeof BROWN_SPLITS)[number]): Set<string> => new Set(brownSplitIds(s).map((id) => id[1]));
    for (const s of BROWN_SPLITS) expect(genres(s).size).toBe(15);
  });

  it('parses CLI split names', () => {
    expect(['train', 'test', 'validation', 'val', 'VALID', 'dev'].map(parseBrownSplit)).toEqual(['train', 'test', 'validation', 'validation', 'validation', 'validation']);
    expect(() => parseBrownSplit('holdout')).toThrow(/unknown Brown split/);
  });
});
