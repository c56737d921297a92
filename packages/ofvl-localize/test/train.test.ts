import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OnnxModel, tensorFromProto } from '@gradloc/tensor-backend';
import { addScene, cellPixel, Localizer, coordsOutput, modelGraph, readMetadata, sharedWeight, gridOf, sampleOf, storedParameters, syntheticRooms, trainOfvl, type TrainProgress } from '../src/index.js';
import { tinyNetwork } from './helpers.js';

/** 32x24 frames -> 3x4 cells (stride 8). */
const TINY = tinyNetwork(32, 24, [6, 6, 8], 6);
const rooms = () => syntheticRooms({ seed: 2, rooms: 2, train: 6, test: 2, width: 32, height: 24 });

describe('training samples', () => {
  it('takes each cell target from the frame coordinates at the cell centre pixel', async () => {
    const [room] = rooms();
    const frame = await room.frame('train', 1);
    const s = sampleOf(frame, TINY);
    const { rows, cols, stride } = gridOf(TINY);
    for (const [i, j] of [[0, 0], [1, 2], [2, 3]]) {
      const p = (cellPixel(stride, i) * 32 + cellPixel(stride, j)) * 3;
      for (let k = 0; k < 3; k++) expect(s.target[k * rows * cols + i * cols + j]).toBe(frame.coords[p + k]);
    }
    expect(Array.from(s.mask).every((m) => m === 1)).toBe(true);
  });
});

describe('trainOfvl', () => {
  it('lowers every scene loss and reports progress', async () => {
    const seen: TrainProgress[] = [];
    const r = await trainOfvl({ scenes: rooms(), network: TINY, steps: 80, batch: 2, lr: 3e-3, progressEvery: 20, onProgress: (p) => seen.push(p) });
    const train = seen.filter((p) => p.phase === 'train');
    expect(train.map((p) => p.step)).toEqual([20, 40, 60, 80]);
    for (const scene of ['room-1', 'room-2']) expect(train[3].loss[scene]).toBeLessThan(train[0].loss[scene]);
    expect(seen.at(-1)!.phase).toBe('statistics');
    expect(r.shared).toHaveLength(3);
    expect(r.shared).toEqual(r.scores.map((s) => s <= 0.5));
  });

  it('stores shared layers once: all-shared < adaptive <= per-scene models', async () => {
    const args = { scenes: rooms(), network: TINY, steps: 2, batch: 1 } as const;
    const [shared, separate] = [await trainOfvl({ ...args, sharing: 'shared' }), await trainOfvl({ ...args, sharing: 'separate' })];
    expect(shared.shared).toEqual([true, true, true]);
    expect(separate.shared).toEqual([false, false, false]);
    const conv = [6 * 3 * 9, 6 * 6 * 9, 8 * 6 * 9].reduce((a, b) => a + b, 0);
    // one copy of the convs instead of two: the difference is exactly one set of conv weights
    expect(storedParameters(separate.graph) - storedParameters(shared.graph)).toBe(conv);
  });

  it('a sparse penalty drives sharing scores down (towards shared layers)', async () => {
    const args = { scenes: rooms(), network: TINY, steps: 30, batch: 1, lr: 1e-2, seed: 4 } as const;
    const [free, penalised] = [await trainOfvl({ ...args, penalty: 0 }), await trainOfvl({ ...args, penalty: 50 })];
    const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(penalised.scores)).toBeLessThan(mean(free.scores) - 0.1);
  });

  it('search < 1: the scores train for that share of the steps, then stay fixed (and with them the sharing decisions)', async () => {
    const seen: TrainProgress[] = [];
    const r = await trainOfvl({ scenes: rooms(), network: TINY, steps: 12, batch: 1, lr: 1e-2, search: 0.5, progressEvery: 1, onProgress: (p) => seen.push(p) });
    const scores = seen.filter((p) => p.phase === 'train').map((p) => p.scores);
    expect(scores).toHaveLength(12);
    for (let k = 1; k < 6; k++) expect(scores[k]).not.toEqual(scores[k - 1]);
    for (let k = 6; k < 12; k++) expect(scores[k]).toEqual(scores[5]);
    expect(r.scores).toEqual(scores[5]);
    await expect(trainOfvl({ scenes: rooms(), network: TINY, steps: 2, search: 0 })).rejects.toThrow(/search must be in \(0, 1\]/);
    await expect(trainOfvl({ scenes: rooms(), network: TINY, steps: 2, search: 1.5 })).rejects.toThrow(/search must be in/);
  });

  it('a run that dies continues from its checkpoint to the weights of an uninterrupted run', async () => {
    const dir = join(mkdtempSync(join(tmpdir(), 'ofvl-ckpt-')), 'checkpoint');
    const args = { scenes: rooms(), network: TINY, steps: 7, batch: 1, progressEvery: 1 } as const;
    const whole = await trainOfvl(args);
    const crash = (p: TrainProgress): void => {
      if (p.phase === 'train' && p.step === 5) throw new Error('power cut');
    };
    await expect(trainOfvl({ ...args, checkpoint: { dir, every: 2 }, onProgress: crash })).rejects.toThrow('power cut');
    expect(existsSync(dir)).toBe(true);
    // another step budget means another schedule: refused, the checkpoint kept
    await expect(trainOfvl({ ...args, steps: 9, checkpoint: { dir, every: 2 } })).rejects.toThrow(/written under the schedule/);
    const seen: TrainProgress[] = [];
    const resumed = await trainOfvl({ ...args, checkpoint: { dir, every: 2 }, onProgress: (p) => seen.push(p) });
    const steps = seen.filter((p) => p.phase === 'train');
    expect(steps.map((p) => p.step)).toEqual([5, 6, 7]);
    expect(steps.every((p) => p.resumedFrom === 4)).toBe(true);
    const weights = (g: typeof whole.graph): Map<string, number[]> =>
      new Map([...g.initializers].map(([k, p]) => [k, tensorFromProto(p)] as const).filter(([, t]) => t.dtype === 'float32').map(([k, t]) => [k, Array.from(t.data as Float32Array)]));
    const [a, b] = [weights(whole.graph), weights(resumed.graph)];
    expect([...b.keys()]).toEqual([...a.keys()]);
    for (const [k, v] of a) expect(b.get(k)!.reduce((m, x, i) => Math.max(m, Math.abs(x - v[i])), 0), k).toBeLessThan(1e-6);
    expect(existsSync(dir)).toBe(false);
  });

  it('refuses bad settings in one line', async () => {
    await expect(trainOfvl({ scenes: rooms(), network: TINY, steps: 0 })).rejects.toThrow(/steps must be an integer >= 1/);
    await expect(trainOfvl({ scenes: [], network: TINY })).rejects.toThrow(/no scenes/);
    const [a] = rooms();
    await expect(trainOfvl({ scenes: [a, a], network: TINY, steps: 1 })).rejects.toThrow(/unique/);
  });

  it('new-scene mode learns only the new scene: old scenes answer exactly as before, shared weights untouched', async () => {
    const world = syntheticRooms({ seed: 2, rooms: 3, train: 6, test: 2, width: 32, height: 24 });
    const base = await trainOfvl({ scenes: world.slice(0, 2), network: TINY, steps: 20, batch: 2, lr: 3e-3, sharing: 'shared' });
    const model = modelGraph(base, world.slice(0, 2));
    const seen: TrainProgress[] = [];
    const r = await addScene(model, world[2], { steps: 40, batch: 2, lr: 3e-3, progressEvery: 20, onProgress: (p) => seen.push(p) });
    expect(readMetadata(r.model, 'x').scenes.map((s) => s.name)).toEqual(['room-1', 'room-2', 'room-3']);
    const train = seen.filter((p) => p.phase === 'train');
    expect(train[1].loss['room-3']).toBeLessThan(train[0].loss['room-3']);
    for (const i of [0, 1, 2]) expect(r.model.initializers.get(sharedWeight(i))).toEqual(model.initializers.get(sharedWeight(i)));
    const image = (await world[0].frame('test', 0)).image;
    const planes = { image: { dtype: 'float32' as const, dims: [1, 3, 24, 32], data: Float32Array.from({ length: 3 * 24 * 32 }, (_, k) => image.data[(k % (24 * 32)) * 3 + Math.floor(k / (24 * 32))] / 127.5 - 1) } };
    const [before, after] = [OnnxModel.fromGraph(model), OnnxModel.fromGraph(r.model)];
    for (const s of ['room-1', 'room-2']) expect(Array.from((await after.run(planes, [coordsOutput(s)]))[coordsOutput(s)].data)).toEqual(Array.from((await before.run(planes, [coordsOutput(s)]))[coordsOutput(s)].data));
    await Promise.all([before.release(), after.release()]);
    await expect(addScene(model, world[0])).rejects.toThrow(/already has a scene 'room-1'/);
  });

  it('a localizer without a scene predicts every scene in one run, the same cells as one scene at a time, and keeps the most inliers', async () => {
    const world = rooms();
    const r = await trainOfvl({ scenes: world, network: TINY, steps: 30, batch: 2, lr: 3e-3 });
    const localizer = new Localizer(modelGraph(r, world), 'tiny');
    try {
      const images = [(await world[0].frame('test', 0)).image, (await world[1].frame('test', 1)).image];
      const all = await localizer.predictScenes(images, localizer.scenes);
      for (const s of localizer.scenes) {
        const one = await localizer.predict(images, s);
        expect(all[s].map((p) => Array.from(p.coords))).toEqual(one.map((p) => Array.from(p.coords)));
        expect(all[s].map((p) => Array.from(p.uncertainty))).toEqual(one.map((p) => Array.from(p.uncertainty)));
      }
      const found = await localizer.localize(images[0]);
      const best = Math.max(...found.candidates!.map((c) => c.inliers));
      expect(found.candidates!.map((c) => c.scene)).toEqual(localizer.scenes);
      expect(found.inliers).toBe(best);
      const given = await localizer.localize(images[0], { scene: found.scene });
      expect(given.position).toEqual(found.position);
      expect(given.inliers).toBe(found.inliers);
      await expect(localizer.predictScenes(images, ['room-1', 'nowhere'])).rejects.toThrow(/unknown scene 'nowhere'/);
    } finally {
      await localizer.release();
    }
  });
});
