/**
 * Deletion / insertion, average drop / increase and the report on a model known by
 * construction: y = [m, 1 - m] with m the mean of the red channel inside a fixed pixel box.
 * Every expected curve is computed here from the box's pixel values and the chunk a map puts
 * each box pixel in, not by the code under test.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { Graph, GraphBuilder, MODEL_META, OnnxModel, buildResNet, float32, float64, sampleFeeds } from '@gradloc/tensor-backend';
import {
  averageDropIncrease,
  blurImage,
  chunkBounds,
  classTarget,
  createMethod,
  deletionCurve,
  deletionInsertion,
  elementTarget,
  insertionCurve,
  metricsReport,
  saliencyOrder,
  trapezoid,
  type CamResult,
} from '../src/index.js';

const H = 8;
const W = 8;
const N = H * W;
const C = 3;
/** The box x 2..3, y 3..4 (x1, y1 exclusive): pixels 26, 27, 34, 35. */
const BOX = [2, 3, 4, 5] as const;
const BOX_PIXELS = [3 * W + 2, 3 * W + 3, 4 * W + 2, 4 * W + 3];

function redBoxModel(): OnnxModel {
  const g = Graph.create(17);
  const b = new GraphBuilder(g);
  b.input('x', 'float32', ['batch', C, H, W]);
  const [x0, y0, x1, y1] = BOX;
  const crop = b.op('Slice', ['x', b.ints([0, y0, x0]), b.ints([1, y1, x1]), b.ints([1, 2, 3])]);
  const m = b.op('ReduceMean', [crop], { axes: [2, 3], keepdims: 0 });
  const inv = b.op('Sub', [b.scalar(1, 'float32'), m]);
  b.op('Concat', [m, inv], { axis: 1 }, { outputs: ['y'] });
  b.output('y', 'float32', ['batch', 2]);
  return OnnxModel.fromGraph(g, { threads: 1 });
}

const model = redBoxModel();
afterAll(() => model.release());

/** Batch of images: pseudo-random pixels (fixed formula), the red box pixels set to `reds[b]`. */
function images(reds: readonly (readonly number[])[]): Float32Array {
  const data = new Float32Array(reds.length * C * N);
  for (let i = 0; i < data.length; i++) data[i] = ((i * 37) % 101) / 101;
  reds.forEach((r, b) => BOX_PIXELS.forEach((p, k) => (data[b * C * N + p] = r[k])));
  return data;
}

/** A map putting box pixel k first in chunk k of `perChunk` pixels (other pixels fill in index order). */
function staircaseMap(perChunk: number): Float32Array {
  const positions = new Array<number>(N).fill(-1);
  BOX_PIXELS.forEach((p, k) => (positions[p] = k * perChunk));
  let next = 0;
  for (let p = 0; p < N; p++) {
    if (positions[p] >= 0) continue;
    while (BOX_PIXELS.some((_, k) => k * perChunk === next)) next++;
    positions[p] = next++;
  }
  // position 0 is the most salient
  return Float32Array.from(positions, (pos) => (N - pos) / N);
}

const cam = (maps: Float32Array, batch: number): CamResult => ({ batch, height: H, width: W, maps, scores: new Float64Array(batch) });

/** Trapezoid area of points at x = i / steps. */
const uniformAuc = (ys: readonly number[], steps: number): number => ys.slice(1).reduce((s, y, i) => s + (ys[i] + y) / 2 / steps, 0);

describe('ordering helpers', () => {
  it('orders most salient first, ties by index; LeRF ascending with ties by index', () => {
    const map = [0.5, 0.9, 0.5, 0.1, 0.9];
    expect(Array.from(saliencyOrder(map, 'morf'))).toEqual([1, 4, 0, 2, 3]);
    expect(Array.from(saliencyOrder(map, 'lerf'))).toEqual([3, 0, 2, 1, 4]);
    expect(Array.from(saliencyOrder([NaN, 0, 1]))).toEqual([2, 1, 0]);
  });
  it('splits into equal chunks and integrates by the trapezoid rule', () => {
    expect(Array.from(chunkBounds(64, 16))).toEqual(Array.from({ length: 17 }, (_, i) => 4 * i));
    expect(Array.from(chunkBounds(10, 4))).toEqual([0, 2, 5, 7, 10]);
    expect(trapezoid([0, 0.5, 1], [1, 0, 1])).toBeCloseTo(0.5, 12);
  });
});

describe('deletion and insertion', () => {
  const steps = 16; // 4 pixels per chunk
  const r0 = [0.9, 0.8, 0.7, 0.6];
  const r1 = [0.2, 0.4, 0.1, 0.3];
  const x = float32([2, C, H, W], images([r0, r1]));
  // item 0: staircase (box pixel k deleted with chunk k); item 1: constant map (raster order)
  const maps = new Float32Array(2 * N);
  maps.set(staircaseMap(4), 0);
  maps.fill(0.5, N);
  const sum = (xs: readonly number[]): number => xs.reduce((a, v) => a + v, 0);

  it('follows the hand-computed staircase and the raster order of ties, with baseline 0', async () => {
    const target = elementTarget('y', [0]);
    const del = await deletionCurve({ model, feeds: { x }, target, batchSize: 5 }, cam(maps, 2), { steps });
    // item 0: after i chunks, box pixels 0..i-1 are black
    const expected0 = Array.from({ length: steps + 1 }, (_, i) => sum(r0.slice(Math.min(i, 4))) / 4);
    // item 1: raster order; pixels 26, 27 go with chunk 6 (positions 24..27), 34, 35 with chunk 8
    const expected1 = Array.from({ length: steps + 1 }, (_, i) => (i <= 6 ? sum(r1) : i <= 8 ? r1[2] + r1[3] : 0) / 4);
    expect(Array.from(del.fractions)).toEqual(Array.from({ length: steps + 1 }, (_, i) => i / steps));
    expect(Array.from(del.curves[0])).toEqual(expected0.map((v) => expect.closeTo(v, 6)));
    expect(Array.from(del.curves[1])).toEqual(expected1.map((v) => expect.closeTo(v, 6)));
    expect(del.auc[0]).toBeCloseTo(uniformAuc(expected0, steps), 6);
    expect(del.auc[1]).toBeCloseTo(uniformAuc(expected1, steps), 6);
    expect(del.meanAuc).toBeCloseTo((del.auc[0] + del.auc[1]) / 2, 12);
    // curve 0.75, 0.525, 0.325, 0.15, 0, ...: (0.6375 + 0.425 + 0.2375 + 0.075) / 16
    expect(del.auc[0]).toBeCloseTo(1.375 / 16, 6);

    const ins = await insertionCurve({ model, feeds: { x }, target }, cam(maps, 2), { steps, insertionBaseline: 0 });
    const expectedIns0 = Array.from({ length: steps + 1 }, (_, i) => sum(r0.slice(0, Math.min(i, 4))) / 4);
    expect(Array.from(ins.curves[0])).toEqual(expectedIns0.map((v) => expect.closeTo(v, 6)));
    expect(ins.auc[0]).toBeCloseTo(uniformAuc(expectedIns0, steps), 6);
  });

  it('stops at a fraction of the pixels (Grad-ECLIP: half) and reports the AUC as a mean score over it', async () => {
    const target = elementTarget('y', [0]);
    // 16 chunks over half the 64 pixels: 2 pixels per chunk; box pixel k is deleted with chunk 2k + 1
    const del = await deletionCurve({ model, feeds: { x }, target }, cam(maps, 2), { steps: 16, fraction: 0.5 });
    const expected0 = Array.from({ length: 17 }, (_, i) => sum(r0.slice(Math.min(Math.ceil(i / 2), 4))) / 4);
    expect(Array.from(del.fractions)).toEqual(Array.from({ length: 17 }, (_, i) => i / 32));
    expect(Array.from(del.curves[0])).toEqual(expected0.map((v) => expect.closeTo(v, 6)));
    // trapezoid over [0, 1/2] with spacing 1/32, divided by 1/2
    expect(del.auc[0]).toBeCloseTo(uniformAuc(expected0, 32) / 0.5, 6);
    // item 1 (raster order) loses pixels 0..15 over the first quarter, none of the box (26 on):
    // a constant curve, whose AUC is that constant at any fraction
    const flat = await deletionCurve({ model, feeds: { x }, target }, cam(maps, 2), { steps: 4, fraction: 0.25 });
    expect(flat.auc[1]).toBeCloseTo(sum(r1) / 4, 6);
  });

  it('takes a whole substrate image, the same for every item, and refuses one of another size', async () => {
    const target = elementTarget('y', [0]);
    const zeros = await deletionCurve({ model, feeds: { x }, target }, cam(maps, 2), { steps, deletionBaseline: new Float32Array(C * N) });
    const zero = await deletionCurve({ model, feeds: { x }, target }, cam(maps, 2), { steps, deletionBaseline: 0 });
    expect(Array.from(zeros.curves[0])).toEqual(Array.from(zero.curves[0]));
    const half = await deletionCurve({ model, feeds: { x }, target }, cam(maps, 2), { steps, deletionBaseline: new Float32Array(C * N).fill(0.5) });
    expect(half.curves[0][steps]).toBeCloseTo(0.5, 6);
    await expect(deletionCurve({ model, feeds: { x }, target }, cam(maps, 2), { deletionBaseline: new Float32Array(N) })).rejects.toThrow(/substrate image/);
    await expect(deletionCurve({ model, feeds: { x }, target }, cam(maps, 2), { fraction: 0 })).rejects.toThrow(/fraction/);
  });

  it('freezes an auto class on the original outputs and scores each item for its own class', async () => {
    // item 0 predicts class 0 (m = 0.75), item 1 class 1 (m = 0.25); logits are scored
    const target = classTarget({ output: 'y', classes: 'auto', score: 'logit' });
    const del = await deletionCurve({ model, feeds: { x }, target }, cam(maps, 2), { steps });
    const m0 = (i: number): number => sum(r0.slice(Math.min(i, 4))) / 4;
    const m1 = (i: number): number => (i <= 6 ? sum(r1) : i <= 8 ? r1[2] + r1[3] : 0) / 4;
    // without freezing, item 0 would switch to class 1 once m < 0.5 and its curve would rise again
    expect(Array.from(del.curves[0])).toEqual(Array.from({ length: steps + 1 }, (_, i) => expect.closeTo(m0(i), 6)));
    expect(Array.from(del.curves[1])).toEqual(Array.from({ length: steps + 1 }, (_, i) => expect.closeTo(1 - m1(i), 6)));
  });

  it('starts insertion from the blurred image (checked against a direct 2-D Gaussian) and ends at the original', async () => {
    const sigma = 1.2;
    const { insertion, deletion } = await deletionInsertion({ model, feeds: { x }, target: elementTarget('y', [0]) }, cam(maps, 2), { steps, blurSigma: sigma });
    // independent blur: the 2-D kernel, truncated at 3 sigma, borders replicated, normalised
    const r = Math.ceil(3 * sigma);
    const red = x.data.subarray(0, N) as Float32Array;
    const blurredAt = (px: number): number => {
      const [py, pxx] = [Math.floor(px / W), px % W];
      let s = 0;
      let z = 0;
      for (let dy = -r; dy <= r; dy++) {
        for (let dx = -r; dx <= r; dx++) {
          const w = Math.exp(-(dx * dx + dy * dy) / (2 * sigma * sigma));
          const yy = Math.min(H - 1, Math.max(0, py + dy));
          const xx = Math.min(W - 1, Math.max(0, pxx + dx));
          s += w * red[yy * W + xx];
          z += w;
        }
      }
      return s / z;
    };
    const b = BOX_PIXELS.map(blurredAt);
    expect(insertion.curves[0][0]).toBeCloseTo(sum(b) / 4, 5);
    // chunk 1 reveals box pixel 0 only
    expect(insertion.curves[0][1]).toBeCloseTo((r0[0] + b[1] + b[2] + b[3]) / 4, 5);
    expect(insertion.curves[0][steps]).toBeCloseTo(sum(r0) / 4, 6);
    expect(deletion.curves[0][steps]).toBe(0);
    // the blur helper itself agrees with the direct 2-D blur
    const blurred = blurImage(x.data.subarray(0, C * N) as Float32Array, C, H, W, sigma);
    for (const p of [0, 9, 27, 63]) expect(blurred[p]).toBeCloseTo(blurredAt(p), 5);
  });

  it('takes a constant or blurred deletion baseline', async () => {
    const target = elementTarget('y', [0]);
    const grey = await deletionCurve({ model, feeds: { x }, target }, cam(maps, 2), { steps, deletionBaseline: 0.5 });
    expect(grey.curves[0][steps]).toBeCloseTo(0.5, 6);
    expect(grey.curves[0][1]).toBeCloseTo((0.5 + r0[1] + r0[2] + r0[3]) / 4, 6);
    const blurred = await deletionCurve({ model, feeds: { x }, target }, cam(maps, 2), { steps, deletionBaseline: 'blur', blurSigma: 2 });
    const substrate = blurImage(x.data.subarray(0, C * N) as Float32Array, C, H, W, 2);
    expect(blurred.curves[0][steps]).toBeCloseTo(sum(BOX_PIXELS.map((p) => substrate[p])) / 4, 6);
  });

  it('rewards the faithful map: deletion AUC lower and insertion AUC higher than for the reversed map', async () => {
    const target = elementTarget('y', [0]);
    const good = staircaseMap(1); // box pixels first
    const bad = good.map((v) => 1 - v);
    const two = new Float32Array(2 * N);
    two.set(good, 0);
    two.set(bad, N);
    const xs = float32([2, C, H, W], images([r0, r0]));
    const { deletion, insertion } = await deletionInsertion({ model, feeds: { x: xs }, target }, cam(two, 2), { steps, insertionBaseline: 0 });
    expect(deletion.auc[0]).toBeLessThan(deletion.auc[1]);
    expect(insertion.auc[0]).toBeGreaterThan(insertion.auc[1]);
  });

  it('rejects maps of another size and non-float32 images', async () => {
    await expect(deletionCurve({ model, feeds: { x }, target: elementTarget('y', [0]) }, { batch: 2, height: 4, width: 4, maps: new Float32Array(32) })).rejects.toThrow(/do not match/);
    const x64 = float64([2, C, H, W], x.data as Float32Array);
    await expect(deletionCurve({ model, feeds: { x: x64 }, target: elementTarget('y', [0]) }, cam(maps, 2))).rejects.toThrow(/float32 images/);
  });
});

describe('average drop and increase in confidence', () => {
  it('matches max(0, Y - O) / Y and O > Y computed by hand', async () => {
    const red = [0.8, 0.8, 0.8, 0.8];
    const x = float32([3, C, H, W], images([red, red, red]));
    const maps = new Float32Array(3 * N).fill(1);
    BOX_PIXELS.forEach((p) => {
      maps[p] = 0.5; // item 0: O = 0.4
      maps[N + p] = 0.25; // item 1: O = 0.2
    }); // item 2: O = Y
    const drop = await averageDropIncrease({ model, feeds: { x }, target: elementTarget('y', [0]) }, cam(maps, 3));
    expect(Array.from(drop.original)).toEqual([0.8, 0.8, 0.8].map((v) => expect.closeTo(v, 6)));
    expect(Array.from(drop.masked)).toEqual([0.4, 0.2, 0.8].map((v) => expect.closeTo(v, 6)));
    expect(Array.from(drop.drop)).toEqual([50, 75, 0].map((v) => expect.closeTo(v, 4)));
    expect(drop.averageDrop).toBeCloseTo(125 / 3, 4);
    expect(drop.increased).toEqual([false, false, false]);
    expect(drop.increaseInConfidence).toBe(0);

    // the complementary output 1 - m rises when the box is dimmed: Y = 0.2, O = 0.6, 0.8, 0.2
    const inc = await averageDropIncrease({ model, feeds: { x }, target: elementTarget('y', [1]) }, cam(maps, 3));
    expect(Array.from(inc.masked)).toEqual([0.6, 0.8, 0.2].map((v) => expect.closeTo(v, 6)));
    expect(inc.increased).toEqual([true, true, false]);
    expect(inc.increaseInConfidence).toBeCloseTo(200 / 3, 9);
    expect(inc.averageDrop).toBe(0);
    expect(inc.dropSkipped).toBe(0);
  });
});

describe('metricsReport', () => {
  it('gives the stable snake_case keys, equal to the individual metrics', async () => {
    const r0 = [0.9, 0.8, 0.7, 0.6];
    const x = float32([1, C, H, W], images([r0]));
    const result = cam(staircaseMap(4), 1);
    const req = { model, feeds: { x }, target: elementTarget('y', [0]) };
    const report = await metricsReport(req, result, { steps: 16 });
    expect(Object.keys(report).sort()).toEqual(['average_drop', 'deletion_auc', 'increase_in_confidence', 'insertion_auc']);
    const { deletion, insertion } = await deletionInsertion(req, result, { steps: 16 });
    const conf = await averageDropIncrease(req, result);
    expect(report.deletion_auc).toBeCloseTo(deletion.meanAuc, 12);
    expect(report.insertion_auc).toBeCloseTo(insertion.meanAuc, 12);
    expect(report.average_drop).toBeCloseTo(conf.averageDrop, 12);
    expect(report.increase_in_confidence).toBe(conf.increaseInConfidence);

    const full = await metricsReport(req, result, { steps: 16, boxes: [[[...BOX]]], tolerance: 0, road: { percentages: [10, 50], noise: 0 } });
    expect(Object.keys(full).sort()).toEqual(['average_drop', 'deletion_auc', 'increase_in_confidence', 'insertion_auc', 'pointing_game', 'road_lerf', 'road_morf']);
    expect(full.pointing_game).toBe(1); // the staircase map's maximum is box pixel 0
    expect(JSON.parse(JSON.stringify(full))).toEqual(full);
  });
});

describe('metricsReport end to end', () => {
  it('runs every metric on a Grad-CAM of a (random) ResNet, values in their ranges', async () => {
    const g = buildResNet({ depth: 'tiny', imageSize: 32, classes: 5, seed: 3 });
    const resnet = OnnxModel.fromGraph(g, { threads: 1 });
    try {
      const feeds = sampleFeeds(g, 1);
      const layer = g.metadata.find((p) => p.key === MODEL_META.targetLayer)?.value ?? '';
      const target = classTarget({ output: resnet.outputNames[0], classes: 'auto' });
      const result = await createMethod('gradcam').explain({ model: resnet, feeds, target, layers: [{ name: layer }] });
      const report = await metricsReport({ model: resnet, feeds, target }, result, { steps: 20, blurSigma: 2, boxes: [[[0, 0, 16, 16]]], road: { percentages: [20, 60] } });
      for (const k of ['insertion_auc', 'deletion_auc', 'road_morf', 'road_lerf'] as const) {
        expect(report[k]).toBeGreaterThan(0); // softmax probabilities
        expect(report[k]).toBeLessThan(1);
      }
      expect(report.average_drop).toBeGreaterThanOrEqual(0);
      expect(report.average_drop).toBeLessThanOrEqual(100);
      expect([0, 100]).toContain(report.increase_in_confidence);
      expect([0, 1]).toContain(report.pointing_game);
    } finally {
      await resnet.release();
    }
  });
});
