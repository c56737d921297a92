/**
 * explain(), the high-level entry point, on the quadrant model: class k reads only input
 * quadrant k, so every class-k map belongs in quadrant k (at least 85% of its mass there,
 * against 25% for a uniform map; bilinear upsampling spills the rest over the edges).
 * Picture and feeds inputs agree, targets resolve as documented, maps come back at the
 * picture's size, and the optional metrics and curves match their own definitions.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { imageBatch, normalizeImages, planarFromRgb, tensor, type RgbImage } from '@gradloc/tensor-backend';
import { explain, trapezoid } from '../src/index.js';
import { quadrantModel, quadrantOf } from './tiny-models.js';

const { model, layer } = quadrantModel();
afterAll(() => model.release());

const LABELS = ['top-left', 'top-right', 'bottom-left', 'bottom-right'];
// every normalised pixel stays positive, so no quadrant's activations are cut to zero by the ReLU
const NORM = { mean: [0.1, 0.05, 0.15], std: [0.5, 0.4, 0.6] } as const;

/** A 32 x 32 picture, grey, with quadrant `bright` four times brighter. */
function picture(bright: number): RgbImage {
  const data = new Uint8Array(32 * 32 * 3);
  for (let y = 0; y < 32; y++) for (let x = 0; x < 32; x++) data.fill(quadrantOf(y, x, 32) === bright ? 200 : 50, (y * 32 + x) * 3, (y * 32 + x + 1) * 3);
  return { width: 32, height: 32, data };
}

/** Share of the map's mass in quadrant q of an s x s map. */
function share(data: ArrayLike<number>, s: number, q: number): number {
  let inside = 0;
  let total = 0;
  for (let i = 0; i < s * s; i++) {
    total += data[i];
    if (quadrantOf(Math.floor(i / s), i % s, s) === q) inside += data[i];
  }
  return inside / total;
}

const input = (p: RgbImage) => ({ picture: p, size: { width: 16, height: 16 }, norm: NORM });

describe('explain()', () => {
  it('explains the top class of a picture by default, with its map at the picture size in that quadrant', async () => {
    const r = await explain({ model, input: input(picture(3)), method: 'gradcam', layers: [layer], labels: LABELS });
    expect(r.classes).toEqual([3]);
    expect(r.prediction.label).toBe('bottom-right');
    expect(r.prediction.probabilities.reduce((s, p) => s + p.p, 0)).toBeCloseTo(1, 6);
    expect(r.prediction.score).toBe(Math.max(...r.prediction.probabilities.map((p) => p.p)));
    expect([r.map.width, r.map.height]).toEqual([32, 32]);
    expect([r.result.width, r.result.height]).toEqual([16, 16]);
    expect(share(r.map.data, 32, 3)).toBeGreaterThan(0.85);
    expect([r.overlay?.width, r.overlay?.height]).toEqual([32, 32]);
  });

  it('gives the same maps from a picture as from the feeds it stands for', async () => {
    const p = picture(1);
    const feeds = { x: normalizeImages(imageBatch(planarFromRgb(p, 16, 16)), NORM) };
    const a = await explain({ model, input: input(p), method: 'gradcam++', layers: [layer] });
    const b = await explain({ model, input: { feeds }, method: 'gradcam++', layers: [layer] });
    expect(b.classes).toEqual(a.classes);
    expect(Array.from(b.result.maps)).toEqual(Array.from(a.result.maps));
    expect(b.overlay).toBeUndefined();
  });

  it('explains a class named by label or index, whatever the top class is', async () => {
    const p = picture(3);
    const byLabel = await explain({ model, input: input(p), method: 'gradcam', layers: [layer], target: 'bottom-left', labels: LABELS });
    const byIndex = await explain({ model, input: input(p), method: 'gradcam', layers: [layer], target: 2 });
    expect(byLabel.classes).toEqual([2]);
    expect(byLabel.prediction.label).toBe('bottom-left');
    expect(byLabel.prediction.score).toBeLessThan(0.5); // not the top class of this picture
    expect(Array.from(byIndex.result.maps)).toEqual(Array.from(byLabel.result.maps));
    expect(share(byLabel.map.data, 32, 2)).toBeGreaterThan(0.85);
  });

  it('refuses unknown labels, out-of-range classes and layer methods without a layer, naming the classes', async () => {
    await expect(explain({ model, input: input(picture(0)), method: 'gradcam', layers: [layer], target: 'centre', labels: LABELS })).rejects.toThrow(/'centre' is not a class label; classes: 0 top-left, 1 top-right/);
    await expect(explain({ model, input: input(picture(0)), method: 'gradcam', layers: [layer], target: 4 })).rejects.toThrow(/class 4 is out of range: the model has 4 classes \(0\.\.3\)/);
    await expect(explain({ model, input: input(picture(0)), method: 'gradcam' })).rejects.toMatchObject({ code: 'BAD_INPUT' });
  });

  it('input attributions need no layer', async () => {
    const r = await explain({ model, input: input(picture(2)), method: 'saliency' });
    expect(r.classes).toEqual([2]);
    expect(share(r.map.data, 32, 2)).toBeGreaterThan(0.85);
  });

  it('metrics are in range and the curves integrate to the AUCs they come with', async () => {
    const r = await explain({ model, input: input(picture(0)), method: 'gradcam', layers: [layer], metrics: true, curves: true });
    for (const k of ['insertion_auc', 'deletion_auc'] as const) expect(r.metrics?.[k]).toBeGreaterThanOrEqual(0);
    const c = r.curves!;
    expect(c.fractions.length).toBe(c.insertion.length);
    expect(trapezoid(c.fractions, c.insertion)).toBeCloseTo(c.insertionAuc, 6);
    expect(trapezoid(c.fractions, c.deletion)).toBeCloseTo(c.deletionAuc, 6);
    // the explained quadrant decides the logit: deleting it first kills the score faster than inserting it builds it up
    expect(c.deletionAuc).toBeLessThan(c.insertionAuc);
  });

  it('shrinks the overlay to maxSide and refuses pictures over the pixel limit', async () => {
    const r = await explain({ model, input: input(picture(0)), method: 'gradcam', layers: [layer], overlay: { maxSide: 20 } });
    expect([r.overlay?.width, r.overlay?.height]).toEqual([20, 20]);
    await expect(explain({ model, input: { ...input(picture(0)), limits: { maxPixels: 1000 } }, method: 'gradcam', layers: [layer] })).rejects.toThrow(/32x32 = 1024 pixels; the limit is 1000/);
  });

  it('takes a batch of feeds, one class per item', async () => {
    const planes = [0, 3].map((q) => normalizeImages(imageBatch(planarFromRgb(picture(q), 16, 16)), NORM).data as Float32Array);
    const x = tensor('float32', [2, 3, 16, 16], Float32Array.from([...planes[0], ...planes[1]]));
    const r = await explain({ model, input: { feeds: { x } }, method: 'gradcam', layers: [layer] });
    expect(r.classes).toEqual([0, 3]);
    expect(share(r.result.maps.subarray(256), 16, 3)).toBeGreaterThan(0.85);
  });
});
