// Smoke test of the installed @gradloc/ofvl-localize (run plain and as a rolldown bundle by
// tools/pack-check): PnP-RANSAC through OpenCV.js recovers a pose from correspondences
// projected here by hand (20% outliers), and a synthetic room frame renders with scene
// coordinates that project back onto their pixels. Prints one JSON line.
import assert from 'node:assert/strict';
import { lookAt, poseError, projectPoint, solvePnpRansac, syntheticRooms } from '@gradloc/ofvl-localize';

const K = { fx: 500, fy: 500, cx: 319.5, cy: 239.5, width: 640, height: 480 };
const truth = { R: lookAt([0.5, 0.2, 1.5], [3, 2, 1.2], [0, 0, 1]), t: [0.5, 0.2, 1.5] };
const points = [];
const pixels = [];
let s = 7;
const rand = () => ((s = (s * 1103515245 + 12345) % 2147483648) / 2147483648);
while (points.length < 300) {
  const X = [0.5 + rand() * 5, 0.5 + rand() * 5, rand() * 2.5];
  const p = projectPoint(X, truth, K);
  if (!p || p[0] < 0 || p[0] > 639 || p[1] < 0 || p[1] > 479) continue;
  points.push(...(points.length < 60 ? [rand() * 5, rand() * 5, rand() * 2.5] : X));
  pixels.push(...p);
}
const r = await solvePnpRansac(points, pixels, K, { seed: 1 });
const e = poseError(r.pose, truth);
assert.ok(e.translationCm < 0.01 && e.rotationDeg < 0.01, JSON.stringify(e));

const [room] = syntheticRooms({ rooms: 1, train: 2, test: 1 });
const f = await room.frame('test', 0);
const u = 40;
const v = 30;
const i = (v * f.image.width + u) * 3;
const back = projectPoint([f.coords[i], f.coords[i + 1], f.coords[i + 2]], f.pose, f.intrinsics);
assert.ok(Math.hypot(back[0] - u, back[1] - v) < 1e-2, `pixel ${u},${v} projects back to ${back}`);
console.log(JSON.stringify({ inliers: r.inliers, translationCm: Number(e.translationCm.toFixed(6)), frame: [f.image.width, f.image.height] }));
