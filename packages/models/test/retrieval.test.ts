/** The dual encoder's held-out metric: caption retrieval on hand-made embeddings. */
import { describe, expect, it } from 'vitest';
import { captionRetrieval } from '../src/evaluation/retrieval.js';

const rows = (...v: number[][]): Float32Array => Float32Array.from(v.flat());

describe('caption retrieval metric', () => {
  it('scores text identity, not row identity', () => {
    const pool = ['a red circle', 'a red circle', 'a blue star and a red circle', 'a green square'];
    const own = [
      ['a red circle'],
      ['a red circle'],
      ['a blue star and a red circle', 'a red circle and a blue star'],
      ['a green square'],
    ];
    const r = captionRetrieval({
      dim: 2,
      pool,
      own,
      // image 1 is nearest to text 0, not its own row, but the same text: correct.
      // image 3 is nearest to text 0 ("a red circle"): wrong.
      images: rows([1, 0], [0.9, 0.1], [0, 1], [0.8, 0.2]),
      texts: rows([1, 0], [0.7, 0.3], [0, 1], [-1, 0]),
    });
    expect(r.imageToText).toBe(3 / 4);
    // text 0 -> image 0, text 1 -> image 0 (also "a red circle"), text 2 -> image 2, text 3 -> image 2: wrong
    expect(r.textToImage).toBe(3 / 4);
  });

  it('counts a reverse-order caption of another scene as correct', () => {
    const r = captionRetrieval({
      dim: 1,
      pool: ['a red circle and a blue star', 'a blue star and a red circle'],
      own: [
        ['a red circle and a blue star', 'a blue star and a red circle'],
        ['a blue star and a red circle', 'a red circle and a blue star'],
      ],
      images: rows([1], [1]),
      texts: rows([1], [0.5]),
    });
    expect(r).toEqual({ imageToText: 1, textToImage: 1 });
  });

  it('breaks ties toward the first candidate', () => {
    const r = captionRetrieval({ dim: 1, pool: ['x', 'y'], own: [['y'], ['x']], images: rows([1], [1]), texts: rows([1], [1]) });
    // both images pick text 0 ("x"); both texts pick image 0 (own "y")
    expect(r).toEqual({ imageToText: 1 / 2, textToImage: 1 / 2 });
  });

  it('rejects mismatched sizes', () => {
    expect(() => captionRetrieval({ dim: 2, pool: ['x'], own: [['x']], images: rows([1, 0]), texts: rows([1]) })).toThrow(RangeError);
  });
});
