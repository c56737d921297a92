import { describe, expect, it } from 'vitest';
import { OnnxModel, rng, withBatchStatistics, type Feeds, type Tensor } from '@gradloc/tensor-backend';
import { gradCheck } from '@gradloc/tensor-backend/testing';
import {
  addCoordinateLoss,
  coordsOutput,
  deployGraph,
  initialStore,
  sceneGraph,
  sharedWeight,
  sharingScore,
  sceneWeight,
  storedParameters,
  type ParameterStore,
} from '../src/index.js';
import { tinyNetwork } from './helpers.js';

/** 16x12 frames -> 3x4 cells (stride 4, a dilated last layer). */
const TINY = tinyNetwork(16, 12, [4, 4, 6], 5);

function setScore(store: ParameterStore, layer: number, v: number): void {
  store.set(sharingScore(layer), { dtype: 'float32', dims: [1], data: Float32Array.from([v]) });
}

function randomFeeds(seed: number, batch = 2): Feeds {
  const rand = rng(seed);
  const t = (dims: number[], f: () => number): Tensor => ({ dtype: 'float32', dims, data: Float32Array.from({ length: dims.reduce((a, b) => a * b, 1) }, f) });
  return {
    image: t([batch, 3, 12, 16], () => rand() * 2 - 1),
    target: t([batch, 3, 3, 4], () => rand() * 3),
    mask: t([batch, 1, 3, 4], () => (rand() < 0.8 ? 1 : 0)),
  };
}

const lossGraph = (store: ParameterStore, sharing: 'adaptive' | 'shared' | 'separate') => addCoordinateLoss(withBatchStatistics(sceneGraph(TINY, 'a', sharing, store)));

describe('OFVL scene graphs', () => {
  const store = initialStore(TINY, ['a', 'b'], [[1, 2, 3], [0, 0, 1]], 5);
  setScore(store, 0, 0.2); // shared
  setScore(store, 1, 0.9); // scene-specific
  setScore(store, 2, 0.4); // shared

  it('gives each sharing score the straight-through gradient <dL/dW, W_shared - W_scene>', async () => {
    const feeds = randomFeeds(1);
    const adaptive = OnnxModel.fromGraph(lossGraph(store, 'adaptive'));
    const got = await adaptive.grad(feeds, 'loss', [sharingScore(0), sharingScore(1), sharingScore(2)]);
    // independent: the same network with plain weights, differentiated w.r.t. the weight each layer uses
    const plain = new Map(store);
    for (const layer of [0, 1, 2]) plain.set(sharedWeight(layer), store.get(layer === 1 ? sceneWeight('a', 1) : sharedWeight(layer))!);
    const reference = OnnxModel.fromGraph(lossGraph(plain, 'shared'));
    const dW = await reference.grad(feeds, 'loss', [0, 1, 2].map(sharedWeight));
    for (const layer of [0, 1, 2]) {
      const g = dW[sharedWeight(layer)].data as Float32Array;
      const ws = store.get(sharedWeight(layer))!.data as Float32Array;
      const wt = store.get(sceneWeight('a', layer))!.data as Float32Array;
      let expected = 0;
      for (let i = 0; i < g.length; i++) expected += g[i] * (ws[i] - wt[i]);
      expect(Number(got[sharingScore(layer)].data[0])).toBeCloseTo(expected, 4);
    }
    // the loss itself matches: the mixed weights are exactly the chosen ones
    const [l1, l2] = await Promise.all([adaptive.run(feeds, ['loss']), reference.run(feeds, ['loss'])]);
    expect(Number(l1.loss.data[0])).toBe(Number(l2.loss.data[0]));
    await Promise.all([adaptive.release(), reference.release()]);
  });

  it('has weight gradients that match finite differences (batch-statistics BatchNorm, uncertainty loss)', async () => {
    const model = OnnxModel.fromGraph(lossGraph(store, 'adaptive'));
    const report = await gradCheck(model, randomFeeds(2), { of: 'loss', wrt: [sharedWeight(0), sceneWeight('a', 1), 'a.head.2.bias', 'a.layers.2.bn.weight'], maxElements: 12, h: 1e-2 });
    // float32 (onnxruntime's Conv has no float64 kernel): central differences with h = 1e-2
    expect(report.maxScaledError).toBeLessThan(2e-2);
    expect(report.maxNumeric).toBeGreaterThan(1e-3);
    // the unused copies get no gradient: layer 0 is shared, so scene a's own weight is idle
    const g = await model.grad(randomFeeds(2), 'loss', [sceneWeight('a', 0), sharedWeight(1)]);
    expect(Math.max(...Array.from(g[sceneWeight('a', 0)].data as Float32Array, Math.abs))).toBe(0);
    expect(Math.max(...Array.from(g[sharedWeight(1)].data as Float32Array, Math.abs))).toBe(0);
    await model.release();
  });

  it('deploys all scenes in one graph storing shared layers once, equal to each scene graph', async () => {
    const shared = [true, false, true];
    const deployed = deployGraph(TINY, ['a', 'b'], shared, store);
    const sizeOf = (name: string): number => store.get(name)!.data.length;
    const perScene = (s: string): number => [...store.keys()].filter((k) => k.startsWith(`${s}.`) && !/running_/.test(k) && !/\.layers\.(0|2)\.weight$/.test(k)).reduce((n, k) => n + sizeOf(k), 0);
    expect(storedParameters(deployed)).toBe(sizeOf(sharedWeight(0)) + sizeOf(sharedWeight(2)) + perScene('a') + perScene('b'));
    const feeds = { image: randomFeeds(3).image };
    const all = OnnxModel.fromGraph(deployed);
    for (const s of ['a', 'b']) {
      const single = OnnxModel.fromGraph(sceneGraph(TINY, s, 'adaptive', store));
      const [x, y] = [await all.run(feeds, [coordsOutput(s)]), await single.run(feeds, ['coords'])];
      expect(Array.from(x[coordsOutput(s)].data)).toEqual(Array.from(y.coords.data));
      await single.release();
    }
    await all.release();
  });

  it("takes 12-Scenes' nested names (apt1/kitchen) and refuses names that would break tensor names", async () => {
    const names = ['apt1/kitchen', 'apt2/living'];
    const nested = initialStore(TINY, names, [[1, 2, 3], [0, 0, 1]], 5);
    const deployed = OnnxModel.fromGraph(deployGraph(TINY, names, [true, false, true], nested));
    const out = await deployed.run({ image: randomFeeds(4).image }, names.map(coordsOutput));
    for (const s of names) expect(out[coordsOutput(s)].dims).toEqual([2, 3, 3, 4]);
    await deployed.release();
    for (const bad of ['a.b', '/a', 'a/', 'a b', '']) expect(() => sceneGraph(TINY, bad, 'adaptive', store)).toThrow(/letters, digits/);
  });
});
