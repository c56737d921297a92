/** Grounding queries of `shapes` scenes: positives with all matching boxes, absent-combination negatives. */
import { rng, shuffle } from '@gradloc/tensor-backend';
import { describe, expect, it } from 'vitest';
import { COLOURS, generateScene, groundingQueries, SHAPES } from '../src/data/shapes/index.js';

const scenes = Array.from({ length: 300 }, (_, s) => generateScene(5000 + s));

describe('shapes grounding queries', () => {
  it('positives name present combinations with the boxes of every matching object', () => {
    for (const s of scenes) {
      const { positives } = groundingQueries(s);
      const seen = positives.flatMap((q) => q.objects);
      expect([...seen].sort()).toEqual(s.objects.map((_, i) => i));
      for (const q of positives) {
        expect(q.phrase).toBe(`${q.colour === 'orange' ? 'an' : 'a'} ${q.colour} ${q.shape}`);
        expect(q.boxes).toEqual(q.objects.map((i) => s.objects[i].box));
        for (const i of q.objects) expect([s.objects[i].shape, s.objects[i].colour]).toEqual([q.shape, q.colour]);
      }
    }
  });

  it('returns several boxes when a phrase matches several objects', () => {
    const s = generateScene(3, { minObjects: 3, maxObjects: 3, shapes: ['circle'], colours: ['red', 'blue'] });
    const counts = new Map<string, number>();
    for (const o of s.objects) counts.set(o.colour, (counts.get(o.colour) ?? 0) + 1);
    const { positives } = groundingQueries(s, { form: 'bare' });
    expect(positives.map((q) => [q.phrase, q.boxes.length])).toEqual(
      ['red', 'blue'].filter((c) => counts.has(c)).map((c) => [`${c} circle`, counts.get(c)]),
    );
    expect(positives.some((q) => q.boxes.length > 1)).toBe(true);
  });

  it('negatives are exactly the absent combinations, without boxes', () => {
    for (const s of scenes.slice(0, 50)) {
      const { positives, negatives } = groundingQueries(s, { form: 'definite' });
      expect(positives.length + negatives.length).toBe(COLOURS.length * SHAPES.length);
      for (const q of negatives) {
        expect(q.phrase).toBe(`the ${q.colour} ${q.shape}`);
        expect(q.boxes).toEqual([]);
        expect(s.objects.some((o) => o.shape === q.shape && o.colour === q.colour)).toBe(false);
      }
    }
  });

  it('a negative subset is random but deterministic by default', () => {
    const s = scenes[0];
    const all = groundingQueries(s).negatives.map((q) => q.phrase);
    const a = groundingQueries(s, { maxNegatives: 5 }).negatives.map((q) => q.phrase);
    expect(a).toHaveLength(5);
    expect(groundingQueries(s, { maxNegatives: 5 }).negatives.map((q) => q.phrase)).toEqual(a);
    for (const p of a) expect(all).toContain(p);
    expect(a).not.toEqual(all.slice(0, 5));
    const b = groundingQueries(s, { maxNegatives: 5, rand: rng(99) }).negatives.map((q) => q.phrase);
    expect(b).toEqual(shuffle([...all], rng(99)).slice(0, 5));
  });
});

describe('shuffle', () => {
  it('permutes in place, deterministically, reaching every position', () => {
    const items = [0, 1, 2, 3, 4, 5, 6, 7];
    const a = shuffle([...items], rng(1));
    expect([...a].sort()).toEqual(items);
    expect(shuffle([...items], rng(1))).toEqual(a);
    const firsts = new Set(Array.from({ length: 200 }, (_, s) => shuffle([...items], rng(s))[0]));
    expect(firsts.size).toBe(items.length);
  });
});
