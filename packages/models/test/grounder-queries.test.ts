/** The grounders' query set: 42 colour + shape phrases in groundingQueries order, in three forms. */
import { describe, expect, it } from 'vitest';
import { generateScene, groundingQueries } from '../src/data/shapes/index.js';
import { GROUNDER_QUERIES, queryIndex, queryPhrases } from '../src/preprocessing/grounder-queries.js';

const Q = 42;

describe('grounder queries', () => {
  it('are the 42 colour + shape combinations in groundingQueries order, in three forms', () => {
    expect(GROUNDER_QUERIES).toHaveLength(Q);
    expect(queryPhrases('indefinite')[queryIndex('orange', 'star')]).toBe('an orange star');
    expect(queryPhrases('definite')[queryIndex('red', 'circle')]).toBe('the red circle');
    expect(queryPhrases('bare')[Q - 1]).toBe(`white ${GROUNDER_QUERIES[Q - 1].shape}`);
    const scene = generateScene(11, { minObjects: 4 });
    const { positives, negatives } = groundingQueries(scene);
    const phrases = queryPhrases('indefinite');
    expect([...positives, ...negatives].map((g) => phrases.indexOf(g.phrase)).sort((a, b) => a - b)).toEqual([...Array(Q).keys()]);
  });
});
