/** `shapes` captions, referring phrases and the phrase tokenizer. */
import { describe, expect, it } from 'vitest';
import {
  COLOURS,
  countedPhrase,
  generateScene,
  objectPhrases,
  sceneCaptions,
  SHAPES,
  SHAPES_BOS_ID,
  SHAPES_EOS_ID,
  SHAPES_MAX_TOKENS,
  SHAPES_PAD_ID,
  SHAPES_UNK_ID,
  shapesVocabulary,
  detokenize,
  tokenizePhrase,
  tokenizePhrases,
} from '../src/data/shapes/index.js';

const scenes = Array.from({ length: 400 }, (_, s) => generateScene(1000 + s));

describe('shapes captions', () => {
  it('object phrases come in three forms with the right article', () => {
    expect(objectPhrases('circle', 'red')).toEqual(['a red circle', 'the red circle', 'red circle']);
    expect(objectPhrases('star', 'orange')[0]).toBe('an orange star');
    expect(countedPhrase('cross', 'blue', 2)).toBe('two blue crosses');
    expect(countedPhrase('ring', 'white', 4)).toBe('four white rings');
  });

  it('list groups largest first, counted, with commas and a final "and"; the reverse order follows', () => {
    const caps = sceneCaptions([
      { shape: 'circle', colour: 'red', area: 100 },
      { shape: 'star', colour: 'blue', area: 300 },
      { shape: 'circle', colour: 'red', area: 50 },
      { shape: 'square', colour: 'green', area: 200 },
    ]);
    expect(caps).toEqual(['a blue star, a green square and two red circles', 'two red circles, a green square and a blue star']);
    expect(sceneCaptions([{ shape: 'ring', colour: 'purple', area: 1 }])).toEqual(['a purple ring']);
  });

  it('every scene caption mentions every object, and nothing else', () => {
    for (const s of scenes) {
      expect(s.captions[0]).toBe(s.caption);
      for (const caption of s.captions) {
        const mentioned = new Map<string, number>();
        for (const part of caption.split(/, | and /)) {
          const [count, colour, shape] = part.split(' ');
          const n = count === 'a' || count === 'an' ? 1 : ['two', 'three', 'four'].indexOf(count) + 2;
          const singular = n === 1 ? shape : shape.replace(/(ss)es$|s$/, '$1');
          mentioned.set(`${colour} ${singular}`, (mentioned.get(`${colour} ${singular}`) ?? 0) + n);
        }
        const present = new Map<string, number>();
        for (const o of s.objects) present.set(`${o.colour} ${o.shape}`, (present.get(`${o.colour} ${o.shape}`) ?? 0) + 1);
        expect([...mentioned].sort(), `seed ${s.seed}: "${caption}"`).toEqual([...present].sort());
      }
      // The caption starts with the largest object.
      const big = s.objects[s.largest];
      expect(s.caption).toMatch(new RegExp(`^\\w+ ${big.colour} ${big.shape}`));
      s.objects.forEach((o) => expect(o.phrases).toEqual(objectPhrases(o.shape, o.colour)));
    }
  });
});

describe('shapes tokenizer', () => {
  const vocab = shapesVocabulary();

  it('has a fixed, duplicate-free vocabulary covering every shape, colour and joiner', () => {
    expect(vocab.slice(0, 4)).toEqual(['<pad>', '<unk>', '<bos>', '<eos>']);
    expect([SHAPES_PAD_ID, SHAPES_UNK_ID, SHAPES_BOS_ID, SHAPES_EOS_ID]).toEqual([0, 1, 2, 3]);
    expect(new Set(vocab).size).toBe(vocab.length);
    for (const w of [...SHAPES, ...COLOURS, 'a', 'an', 'the', 'and', 'two', 'crosses', 'stars']) expect(vocab).toContain(w);
  });

  it('pads to a fixed length with <bos> and <eos>, and decodes back', () => {
    const ids = tokenizePhrase('A red circle, and the blue star');
    expect(ids).toHaveLength(SHAPES_MAX_TOKENS);
    expect(ids[0]).toBe(SHAPES_BOS_ID);
    expect(ids[8]).toBe(SHAPES_EOS_ID);
    expect(ids.slice(9).every((id) => id === SHAPES_PAD_ID)).toBe(true);
    expect(detokenize(ids)).toBe('a red circle and the blue star');
    expect(tokenizePhrase('red hexagon', 6)).toEqual([SHAPES_BOS_ID, vocab.indexOf('red'), SHAPES_UNK_ID, SHAPES_EOS_ID, 0, 0]);
  });

  it('truncates over-long text but keeps the final <eos>', () => {
    const ids = tokenizePhrase('a red circle and a blue star', 5);
    expect(ids).toEqual([SHAPES_BOS_ID, vocab.indexOf('a'), vocab.indexOf('red'), vocab.indexOf('circle'), SHAPES_EOS_ID]);
    expect(() => tokenizePhrase('x', 1)).toThrow(RangeError);
  });

  it('every generated caption and phrase fits without unknown words', () => {
    for (const s of scenes) {
      for (const text of [...s.captions, ...s.objects.flatMap((o) => o.phrases)]) {
        const ids = tokenizePhrase(text);
        expect(ids, text).not.toContain(SHAPES_UNK_ID);
        expect(ids[SHAPES_MAX_TOKENS - 1] === SHAPES_PAD_ID || ids[SHAPES_MAX_TOKENS - 1] === SHAPES_EOS_ID).toBe(true);
        expect(detokenize(ids)).toBe(text.replace(/,/g, ''));
      }
    }
  });

  it('batches into an int64 [N, L] tensor with lengths', () => {
    const { ids, lengths } = tokenizePhrases(['a red circle', 'two blue stars and a white ring'], 12);
    expect(ids.dtype).toBe('int64');
    expect(ids.dims).toEqual([2, 12]);
    expect(lengths).toEqual([5, 9]);
    expect(Number(ids.data[12 + 8])).toBe(SHAPES_EOS_ID);
  });
});
