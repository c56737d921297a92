/**
 * The vision-language entry (explainImageText) and its pieces: the cosine added to the graph
 * against the embeddings' own cosine, every method's grid against the torch references of
 * tools/cam-fixtures/clip.py (min-max scaled, as the entry returns them), the MMEL-style
 * multi-scale and layer weighting against hand computations, the calibration's search on a
 * known optimum, and the mask pointing metrics on hand-made maps.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { OnnxModel, readNpy, tensor, type Tensor } from '@gradloc/tensor-backend';
import { calibrateMmel, combineLayers, explainImageText, gradEclip, imageTextAuc, maskPointing, mmelLayerMaps, releaseSimilarityModels, SIMILARITY_OUTPUT, similarityModel } from '../src/index.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const CLIP = join(HERE, 'fixtures', 'torch-clip');
const manifest = JSON.parse(readFileSync(join(CLIP, 'manifest.json'), 'utf8')) as { cases: { image: number; text: number; similarity: number; [k: string]: unknown }[] };
const model = OnnxModel.load(join(CLIP, 'model.onnx'), { threads: 1 });
afterAll(async () => {
  await releaseSimilarityModels(model);
  await model.release();
});
const pixels = readNpy(join(CLIP, 'pixels.npy'));
const ids = readNpy(join(CLIP, 'ids.npy'));

function rows(t: Tensor, from: number, count: number): Tensor {
  const per = t.data.length / t.dims[0];
  return { ...t, dims: [count, ...t.dims.slice(1)], data: t.data.slice(from * per, (from + count) * per) } as Tensor;
}

/** min-max to [0, 1] of ReLU(x), float64 (the reference side of the comparisons). */
function scaled(x: ArrayLike<number>): number[] {
  const r = Array.from(x, (v) => Math.max(0, v));
  const lo = Math.min(...r);
  const hi = Math.max(...r);
  return r.map((v) => (v - lo) / (hi - lo + 1e-7));
}

const maxAbsDiff = (a: ArrayLike<number>, b: ArrayLike<number>): number => Array.from(b, (v, i) => Math.abs(a[i] - v)).reduce((m, d) => Math.max(m, d), 0);

describe('the similarity output', () => {
  it('is the cosine of the embeddings, per image of a batch against one caption', async () => {
    const sim = similarityModel(model, 'image_embeds', 'text_embeds');
    expect(similarityModel(model, 'image_embeds', 'text_embeds')).toBe(sim);
    const feeds = { pixel_values: rows(pixels, 0, 2), input_ids: rows(ids, 1, 1) };
    const out = await sim.run(feeds, ['image_embeds', 'text_embeds', SIMILARITY_OUTPUT]);
    const a = out.image_embeds.data as Float32Array;
    const b = out.text_embeds.data as Float32Array;
    const E = b.length;
    expect(out[SIMILARITY_OUTPUT].dims).toEqual([2, 1]);
    for (let n = 0; n < 2; n++) {
      let dot = 0;
      let na = 0;
      let nb = 0;
      for (let e = 0; e < E; e++) {
        dot += a[n * E + e] * b[e];
        na += a[n * E + e] ** 2;
        nb += b[e] ** 2;
      }
      expect(out[SIMILARITY_OUTPUT].data[n]).toBeCloseTo(dot / Math.sqrt(na * nb), 6);
    }
    expect(() => similarityModel(model, 'nope', 'text_embeds')).toThrow(/no tensor 'nope'/);
  });
});

describe('explainImageText vs torch (min-max scaled grids)', () => {
  const c = manifest.cases[0];
  const feeds = { pixel_values: rows(pixels, c.image, 1), input_ids: rows(ids, c.text, 1) };
  const req = { model, feeds, score: { kind: 'similarity' } } as const;
  const ref = (key: string): Float64Array => readNpy(join(CLIP, String(c[key]))).data as Float64Array;

  it('gradeclip: the image map of the last block, the caption weights of all 3 text blocks, the cosine', async () => {
    const r = await explainImageText(req, 'gradeclip');
    expect(r.score).toBeCloseTo(c.similarity, 6);
    expect([r.grid.rows, r.grid.cols]).toEqual([4, 4]);
    expect(maxAbsDiff(r.grid.map, scaled(ref('imageLast1')))).toBeLessThan(1e-5);
    expect(maxAbsDiff(r.text!.weights, ref('textLast3'))).toBeLessThan(1e-5);
    // at the image's size: bilinear from the grid, [0, 1]
    expect([r.height, r.width]).toEqual(feeds.pixel_values.dims.slice(2));
    expect(Math.max(...r.map)).toBeCloseTo(1, 5);
    expect(Math.min(...r.map)).toBe(0);
  });

  it('mmel with one block and one scale is the scaled Grad-ECLIP map of that block', async () => {
    const r = await explainImageText(req, 'mmel', { mmel: { blocks: 1, scales: [1], scaleWeights: [1] } });
    expect(maxAbsDiff(r.grid.map, scaled(ref('imageLast1')))).toBeLessThan(1e-5);
  });

  it('mmel with word alignment sums the one-word texts\' maps weighted by the caption\'s token weights', async () => {
    const caption = await gradEclip({ model }, feeds);
    const ids = Array.from(feeds.input_ids.data as BigInt64Array);
    const eos = caption.text.eos;
    const sum = new Float64Array(16);
    for (const [i, p] of caption.text.positions.entries()) {
      const w = caption.text.weights[i];
      if (!(w > 0)) continue;
      const word = ids.map((_, j) => (j === 0 ? ids[0] : j === 1 ? ids[p] : j === 2 ? ids[eos] : 0n));
      const one = await gradEclip({ model }, { ...feeds, input_ids: tensor('int64', [1, ids.length], BigInt64Array.from(word)) });
      scaled(one.image.map).forEach((v, k) => (sum[k] += w * v));
    }
    const r = await explainImageText(req, 'mmel', { mmel: { blocks: 1, scales: [1], scaleWeights: [1], alignment: 'words' } });
    expect(maxAbsDiff(r.grid.map, scaled(sum))).toBeLessThan(1e-5);
  });

  it('attention and rollout', async () => {
    expect(maxAbsDiff((await explainImageText(req, 'attention')).grid.map, scaled(ref('attention')))).toBeLessThan(1e-5);
    expect(maxAbsDiff((await explainImageText(req, 'rollout')).grid.map, scaled(ref('rollout')))).toBeLessThan(1e-5);
  });

  it('gradcam on the last image block\'s normalised input equals pytorch-grad-cam\'s computation, at the image size', async () => {
    let nonzero = 0;
    for (const k of manifest.cases) {
      const f = { pixel_values: rows(pixels, k.image, 1), input_ids: rows(ids, k.text, 1) };
      const r = await explainImageText({ model, feeds: f, score: { kind: 'similarity' } }, 'gradcam');
      expect(r.score).toBeCloseTo(k.similarity, 6);
      const want = readNpy(join(CLIP, String(k.gradcam)));
      expect([r.height, r.width]).toEqual(want.dims);
      expect(maxAbsDiff(r.map, want.data as Float64Array)).toBeLessThan(1e-5);
      if (Math.max(...r.map) > 0) nonzero++;
      else expect(r.warnings.join()).toMatch(/zero/);
    }
    expect(nonzero).toBeGreaterThan(0);
  });

  it('deletion and insertion AUCs are mean cosines over half the pixels', async () => {
    const r = await explainImageText(req, 'gradeclip');
    const auc = await imageTextAuc(r, feeds, 'pixel_values', { steps: 4 });
    for (const v of [auc.insertion, auc.deletion]) expect(Math.abs(v)).toBeLessThanOrEqual(1);
    // the same seed, the same colours
    expect(await imageTextAuc(r, feeds, 'pixel_values', { steps: 4 })).toEqual(auc);
  });
});

describe('MMEL-style pieces (hand computations)', () => {
  const perBlock = [Float64Array.from([0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, -15]), Float64Array.from({ length: 16 }, (_, i) => (i === 5 ? 2 : 0))];
  it('pools the per-block scaled maps: one 4 x 4 block is the mean everywhere', () => {
    const [m0, m1] = mmelLayerMaps({ perBlock, rows: 4, cols: 4 }, { scales: [4], scaleWeights: [1] });
    // block 0: ReLU, min-max over 0..14 (and a 0): mean of i/14 for i = 0..14 plus 0
    const mean0 = (105 / 14) / 16;
    for (const v of m0) expect(v).toBeCloseTo(mean0, 5);
    for (const v of m1) expect(v).toBeCloseTo(1 / 16, 5);
    const [s0] = mmelLayerMaps({ perBlock, rows: 4, cols: 4 }, { scales: [1, 4], scaleWeights: [0.5, 0.5] });
    expect(s0[3]).toBeCloseTo(0.5 * (3 / 14) + 0.5 * mean0, 5);
  });

  it('weighs layers by the softmax of their logits', () => {
    const out = combineLayers([new Float32Array([1, 1]), new Float32Array([0, 2])], [Math.log(3), 0]);
    expect(Array.from(out)).toEqual([expect.closeTo(0.75, 6), expect.closeTo(1.25, 6)]);
    expect(() => combineLayers([new Float32Array(1)], [0, 0])).toThrow(/2 layer logits/);
  });

  it('calibration climbs to a known optimum within its last step', async () => {
    const target = [1, -0.5, 0];
    const r = await calibrateMmel(3, async (b) => -b.reduce((s, v, i) => s + (v - target[i]) ** 2, 0));
    r.layerLogits.forEach((v, i) => expect(Math.abs(v - target[i])).toBeLessThanOrEqual(0.25));
    expect(r.objective).toBeGreaterThan(r.objectiveAtEqual);
    expect(r.weights.reduce((s, v) => s + v, 0)).toBeCloseTo(1, 12);
  });
});

describe('mask pointing', () => {
  it('hit = the top pixel in the mask; energy = the map mass inside it', () => {
    expect(maskPointing([0.1, 0.9, 0.5, 0.5], [false, true, false, false])).toEqual({ hit: true, energy: 0.9 / 2 });
    expect(maskPointing([0.1, 0.9, 0.5, 0.5], [1, 0, 0, 1])).toEqual({ hit: false, energy: 0.6 / 2 });
    expect(maskPointing([0, 0], [1, 1])).toEqual({ hit: false, energy: 0 });
    expect(() => maskPointing([0], [1, 1])).toThrow(/pixels/);
    // 2 x 2 map, top pixel (1, 0): in the box [1, 0, 2, 1], not in [0, 0, 1, 2]
    expect(maskPointing([0.1, 0.9, 0.5, 0.5], [0, 0, 0, 0], { box: [1, 0, 2, 1], width: 2 }).boxHit).toBe(true);
    expect(maskPointing([0.1, 0.9, 0.5, 0.5], [0, 0, 0, 0], { box: [0, 0, 1, 2], width: 2 }).boxHit).toBe(false);
  });
});


