/**
 * `gradloc localize`: pnp recovers a known pose from npy correspondences written here (our own
 * projection, outliers added); pose and eval run a tiny two-room model trained in the test and
 * print the contract's JSON; bad input fails in one line.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { rng, saveModel, writeNpy, writePNG } from '@gradloc/tensor-backend';
import { lookAt, modelGraph, poseError, projectPoint, rotationOf, syntheticRooms, trainOfvl, type NetworkSpec, type Pose } from '@gradloc/ofvl-localize';
import { expectOneLineError, gradloc, tempDir } from './helpers.js';

let dir: string;
const truth: Pose = { R: lookAt([1, 0.5, 1.4], [2, 2, 1.2], [0, 0, 1]), t: [1, 0.5, 1.4] };
const K = { fx: 525, fy: 525, cx: 319.5, cy: 239.5, width: 640, height: 480 };

/** 200 correspondences of `truth`, the first 60 (30%) outliers. */
function writeCorrespondences(d: string): void {
  const rand = rng(9);
  const points: number[] = [];
  const pixels: number[] = [];
  while (points.length < 600) {
    const X: [number, number, number] = [rand() * 4, 1 + rand() * 4, rand() * 2.5];
    const p = projectPoint(X, truth, K);
    if (!p || p[0] < 0 || p[0] > 639 || p[1] < 0 || p[1] > 479) continue;
    const outlier = points.length < 180;
    points.push(...(outlier ? [rand() * 4, rand() * 5, rand() * 2.5] : X));
    pixels.push(...p);
  }
  writeNpy(join(d, 'P.npy'), { dtype: 'float64', dims: [200, 3], data: Float64Array.from(points) });
  writeNpy(join(d, 'U.npy'), { dtype: 'float32', dims: [200, 2], data: Float32Array.from(pixels) });
  writeNpy(join(d, 'P3.npy'), { dtype: 'float64', dims: [3, 3], data: Float64Array.from(points.slice(0, 9)) });
  writeNpy(join(d, 'U3.npy'), { dtype: 'float64', dims: [3, 2], data: Float64Array.from(pixels.slice(0, 6)) });
  const nan = Float64Array.from(points);
  nan[31] = NaN;
  writeNpy(join(d, 'Pnan.npy'), { dtype: 'float64', dims: [200, 3], data: nan });
}

const TINY: NetworkSpec = { width: 32, height: 24, layers: [{ cout: 4, k: 3, stride: 2, dilation: 1 }, { cout: 4, k: 3, stride: 2, dilation: 1 }, { cout: 4, k: 3, stride: 2, dilation: 1 }], headHidden: 4 };

beforeAll(async () => {
  dir = tempDir();
  writeCorrespondences(dir);
  const scenes = syntheticRooms({ seed: 3, rooms: 2, train: 4, test: 3, width: 32, height: 24 });
  const r = await trainOfvl({ scenes, network: TINY, steps: 60, batch: 2, lr: 3e-3 });
  saveModel(join(dir, 'rooms.onnx'), modelGraph(r, scenes, { kind: 'synthetic', seed: 3, rooms: 2, train: 4, test: 3 }).toModel());
  const frame = await scenes[1].frame('test', 0);
  await writePNG(join(dir, 'frame.png'), frame.image);
  await writePNG(join(dir, 'wide.png'), { width: 40, height: 24, data: new Uint8Array(40 * 24 * 3) });
  await writePNG(join(dir, 'big.png'), { width: 64, height: 48, data: new Uint8Array(64 * 48 * 3).fill(90) });
}, 120_000);

describe('gradloc localize', () => {
  it('pnp prints the camera-to-world pose of given correspondences (30% outliers)', () => {
    const r = gradloc(['localize', 'pnp', '--points', join(dir, 'P.npy'), '--pixels', join(dir, 'U.npy'), '--focal', '525', '--center', '319.5,239.5']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { position: [number, number, number]; rotation: [number, number, number, number]; inliers: number; ms: number };
    expect(Object.keys(out)).toEqual(['position', 'rotation', 'inliers', 'ms']);
    const e = poseError({ R: rotationOf(out.rotation), t: out.position }, truth);
    expect(e.translationCm).toBeLessThan(0.01);
    expect(e.rotationDeg).toBeLessThan(0.01);
    expect(out.inliers).toBeGreaterThanOrEqual(140);
  });

  it.each([
    [['--points', 'P3.npy', '--pixels', 'U3.npy'], /at least 4 correspondences, got 3/],
    [['--points', 'Pnan.npy', '--pixels', 'U.npy'], /correspondence 10 is not finite/],
    [['--points', 'P.npy', '--pixels', 'U3.npy'], /200 points but 3 pixels/],
    [['--points', 'U.npy', '--pixels', 'U.npy'], /expected shape \[N, 3\], got \[200, 2\]/],
    [['--points', 'missing.npy', '--pixels', 'U.npy'], /missing\.npy/],
  ])('pnp refuses %j in one line', (files, message) => {
    const args = files.map((f, i) => (i % 2 ? join(dir, f) : f));
    const r = gradloc(['localize', 'pnp', ...args, '--focal', '525', '--center', '319.5,239.5']);
    expect(r.stderr).toMatch(message);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
  });

  it('pose prints scene, position, rotation, inliers and ms; without --scene it tries every scene', () => {
    const r = gradloc(['localize', 'pose', '--model', join(dir, 'rooms.onnx'), '--image', join(dir, 'frame.png'), '--scene', 'room-2']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as Record<string, unknown>;
    expect(Object.keys(out)).toEqual(['scene', 'position', 'rotation', 'inliers', 'ms']);
    expect(out.scene).toBe('room-2');
    expect(Math.hypot(...(out.rotation as number[]))).toBeCloseTo(1, 5);
    const any = JSON.parse(gradloc(['localize', 'pose', '--model', join(dir, 'rooms.onnx'), '--image', join(dir, 'big.png')]).stdout) as { scene: string; inliers: number; candidates: { scene: string; inliers: number }[] };
    expect(any.candidates.map((c) => c.scene)).toEqual(['room-1', 'room-2']);
    expect(any.inliers).toBe(Math.max(...any.candidates.map((c) => c.inliers)));
  });

  it('pose refuses an unknown scene and an image of another aspect ratio', () => {
    const a = gradloc(['localize', 'pose', '--model', join(dir, 'rooms.onnx'), '--image', join(dir, 'frame.png'), '--scene', 'kitchen']);
    expectOneLineError(a, 'BAD_INPUT');
    expect(a.stderr).toMatch(/unknown scene 'kitchen' \(this model knows room-1, room-2\)/);
    const b = gradloc(['localize', 'pose', '--model', join(dir, 'rooms.onnx'), '--image', join(dir, 'wide.png'), '--scene', 'room-1']);
    expectOneLineError(b, 'BAD_INPUT');
    expect(b.stderr).toMatch(/40x24; the model takes 32x24/);
  });

  it('eval prints per-scene medians and the 5 cm / 5 deg share on regenerated test frames', () => {
    const r = gradloc(['localize', 'eval', '--model', join(dir, 'rooms.onnx')]);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { scenes: Record<string, { frames: number; median_translation_cm: number; within_5cm_5deg: number }>; mean: { frames: number } };
    expect(Object.keys(out.scenes)).toEqual(['room-1', 'room-2']);
    expect(out.scenes['room-1'].frames).toBe(3);
    expect(out.mean.frames).toBe(6);
    expect(out.scenes['room-1'].median_translation_cm).toBeGreaterThan(0);
    const one = JSON.parse(gradloc(['localize', 'eval', '--model', join(dir, 'rooms.onnx'), '--scene', 'room-2', '--max-frames', '2']).stdout) as { scenes: Record<string, { frames: number }> };
    expect(one.scenes).toEqual({ 'room-2': expect.objectContaining({ frames: 2 }) });
  });
});
