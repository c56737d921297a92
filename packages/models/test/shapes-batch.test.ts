/** `shapes` batches, dataset splits, normalisation, and a speed smoke check. */
import { describe, expect, it } from 'vitest';
import {
  generateBatch,
  generateScene,
  generateSplitBatch,
  SHAPES,
  SHAPES_MEAN,
  SHAPES_NORM,
  SHAPES_SPLITS,
  SHAPES_STD,
  splitOfSeed,
  splitSeed,
  toNCHW,
  type ShapesSplit,
} from '../src/data/shapes/index.js';
import { normalizeImages } from '@gradloc/tensor-backend';

describe('shapes batches', () => {
  it('stack the scenes of consecutive seeds as [N, 3, H, W] with largest-shape labels', () => {
    const batch = generateBatch(40, 6, { size: 48 });
    expect(batch.images.dims).toEqual([6, 3, 48, 48]);
    const data = batch.images.data as Float32Array;
    batch.scenes.forEach((a, n) => {
      const s = generateScene(40 + n, { size: 48 });
      expect(Array.from(data.subarray(n * 3 * 48 * 48, (n + 1) * 3 * 48 * 48))).toEqual(Array.from(s.image));
      const { image: _image, ...annotation } = s;
      expect(a).toEqual(annotation);
      expect(batch.labels[n]).toBe(SHAPES.indexOf(s.objects[s.largest].shape));
    });
    const stacked = toNCHW([generateScene(40, { size: 48 }), generateScene(41, { size: 48 })]);
    expect(Array.from(stacked.data as Float32Array)).toEqual(Array.from(data.subarray(0, 2 * 3 * 48 * 48)));
    expect(() => toNCHW([generateScene(0, { size: 48 }), generateScene(1, { size: 32 })])).toThrow(/scene 1/);
  });

  it('normalise with the documented statistics of the training split', () => {
    const { images } = generateSplitBatch('train', 0, 400);
    const raw = images.data as Float32Array;
    const norm = normalizeImages(images, SHAPES_NORM).data as Float32Array;
    const plane = 96 * 96;
    for (let ch = 0; ch < 3; ch++) {
      let sum = 0;
      let sq = 0;
      let rawSum = 0;
      for (let n = 0; n < 400; n++) {
        const off = (n * 3 + ch) * plane;
        for (let i = off; i < off + plane; i++) {
          sum += norm[i];
          sq += norm[i] ** 2;
          rawSum += raw[i];
        }
      }
      const count = 400 * plane;
      console.log(`channel ${ch}: mean ${(rawSum / count).toFixed(3)} (documented ${SHAPES_MEAN[ch]}), std ${(SHAPES_STD[ch] * Math.sqrt(sq / count - (sum / count) ** 2)).toFixed(3)}`);
      expect(Math.abs(sum / count)).toBeLessThan(0.05);
      expect(Math.abs(Math.sqrt(sq / count - (sum / count) ** 2) - 1)).toBeLessThan(0.05);
    }
  });
});

describe('shapes splits', () => {
  const names = Object.keys(SHAPES_SPLITS) as ShapesSplit[];

  it('are disjoint uint32 seed ranges', () => {
    expect(names).toEqual(['train', 'validation', 'test']);
    for (const a of names) {
      const r = SHAPES_SPLITS[a];
      expect(r.start + r.count).toBeLessThanOrEqual(2 ** 32);
      for (const b of names) {
        if (a === b) continue;
        const q = SHAPES_SPLITS[b];
        expect(r.start + r.count <= q.start || q.start + q.count <= r.start, `${a} / ${b}`).toBe(true);
      }
    }
  });

  it('map indices to seeds and back, range-checked', () => {
    for (const n of names) {
      const last = SHAPES_SPLITS[n].count - 1;
      expect(splitOfSeed(splitSeed(n, 0))).toBe(n);
      expect(splitOfSeed(splitSeed(n, last))).toBe(n);
      expect(() => splitSeed(n, last + 1)).toThrow(/split/);
    }
    expect(() => splitSeed('test', -1)).toThrow();
    expect(() => generateSplitBatch('validation', SHAPES_SPLITS.validation.count - 1, 2)).toThrow();
    expect(generateSplitBatch('test', 3, 1).scenes[0].seed).toBe(SHAPES_SPLITS.test.start + 3);
  });
});

describe('shapes speed (smoke check, not an assertion)', () => {
  it('logs the time of 1000 scenes at 96x96', () => {
    generateBatch(0, 50);
    const t0 = performance.now();
    const batch = generateBatch(SHAPES_SPLITS.validation.start, 1000);
    const ms = performance.now() - t0;
    console.log(`shapes: 1000 scenes of 96x96 in ${ms.toFixed(0)} ms (${(ms / 1000).toFixed(2)} ms/scene)`);
    expect(batch.scenes).toHaveLength(1000);
  });
});
