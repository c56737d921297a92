import { describe, expect, it } from 'vitest';
import { rng } from '@gradloc/tensor-backend';
import { lookAt, poseError, projectPoint, solvePnpRansac, type Intrinsics, type Pose } from '../src/index.js';

/** 7-Scenes' colour camera (the pose figure's setting); the small network camera is checked below too. */
const K: Intrinsics = { fx: 525, fy: 525, cx: 319.5, cy: 239.5, width: 640, height: 480 };
const SMALL: Intrinsics = { fx: 130, fy: 130, cx: 79.5, cy: 59.5, width: 160, height: 120 };

/**
 * A random camera-to-world pose and `n` correspondences: world points 1-5 m in front of the
 * camera projected with our own projection (+ Gaussian pixel noise), a share of them replaced
 * by outliers (random points anywhere in the room).
 */
function scenario(seed: number, n: number, outlierShare: number, noisePx: number, K: Intrinsics): { pose: Pose; points: Float64Array; pixels: Float64Array } {
  const rand = rng(seed);
  const eye: [number, number, number] = [rand() * 4, rand() * 3, 1 + rand()];
  const yaw = rand() * 2 * Math.PI;
  const pose: Pose = { R: lookAt(eye, [eye[0] + Math.cos(yaw), eye[1] + Math.sin(yaw), eye[2] + (rand() - 0.5) * 0.4], [0, 0, 1]), t: eye };
  const points = new Float64Array(n * 3);
  const pixels = new Float64Array(n * 2);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  for (let i = 0; i < n; i++) {
    const u = rand() * K.width;
    const v = rand() * K.height;
    const depth = 1 + rand() * 4;
    const cam = [((u - K.cx) / K.fx) * depth, ((v - K.cy) / K.fy) * depth, depth];
    const R = pose.R;
    const X: [number, number, number] = [0, 1, 2].map((r) => R[r * 3] * cam[0] + R[r * 3 + 1] * cam[1] + R[r * 3 + 2] * cam[2] + pose.t[r]) as [number, number, number];
    const px = projectPoint(X, pose, K)!;
    const outlier = i < Math.round(n * outlierShare);
    points.set(outlier ? [rand() * 6, rand() * 5, rand() * 3] : X, i * 3);
    pixels.set([px[0] + noisePx * gauss(), px[1] + noisePx * gauss()], i * 2);
  }
  return { pose, points, pixels };
}

describe('solvePnpRansac', () => {
  it('recovers known poses to < 1 cm and < 0.1 deg with 30% outliers and 0.5 px noise', async () => {
    for (let seed = 1; seed <= 10; seed++) {
      const s = scenario(seed, 300, 0.3, 0.5, K);
      const r = await solvePnpRansac(s.points, s.pixels, K, { seed });
      const e = poseError(r.pose, s.pose);
      expect(e.translationCm).toBeLessThan(1);
      expect(e.rotationDeg).toBeLessThan(0.1);
      expect(r.inliers).toBeGreaterThanOrEqual(200);
      expect(r.inliers).toBeLessThanOrEqual(215);
    }
  });

  it('is exact on noise-free data and deterministic by seed', async () => {
    const s = scenario(42, 100, 0.3, 0, SMALL);
    const [a, b] = [await solvePnpRansac(s.points, s.pixels, SMALL, { seed: 3 }), await solvePnpRansac(s.points, s.pixels, SMALL, { seed: 3 })];
    expect(poseError(a.pose, s.pose).translationCm).toBeLessThan(1e-4);
    expect(a.pose).toEqual(b.pose);
    expect(a.inliers).toBe(70);
  });

  it('refuses bad input with one-line errors', async () => {
    const s = scenario(7, 10, 0, 0, K);
    await expect(solvePnpRansac(s.points.slice(0, 9), s.pixels.slice(0, 6), K)).rejects.toThrow(/at least 4 correspondences, got 3/);
    await expect(solvePnpRansac(s.points, s.pixels.slice(0, 8), K)).rejects.toThrow(/10 points but 4 pixels/);
    const nan = s.points.slice();
    nan[7] = NaN;
    await expect(solvePnpRansac(nan, s.pixels, K)).rejects.toThrow(/correspondence 2 is not finite/);
    // skipping invalid rows instead
    const r = await solvePnpRansac(nan, s.pixels, K, { invalid: 'skip' });
    expect(r.correspondences).toBe(9);
    const line = Float64Array.from({ length: 30 }, (_, k) => (k % 3 === 0 ? k : k % 3 === 1 ? 2 * k : 5));
    await expect(solvePnpRansac(line, s.pixels, K)).rejects.toThrow(/all points lie on one line/);
    const px = Float64Array.from({ length: 20 }, (_, k) => (k % 2 ? 10 : k));
    await expect(solvePnpRansac(s.points, px, K)).rejects.toThrow(/all pixels lie on one line/);
    await expect(solvePnpRansac(s.points, s.pixels, { ...K, fx: 0 })).rejects.toThrow(/focal lengths > 0/);
    for (const e of ['at least 4', 'not finite']) expect(e).not.toContain('\n');
  });
});
