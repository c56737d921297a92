/**
 * `npm run bench -w @gradloc/ofvl-localize`: measured in one run at the default settings.
 * - PnP-RANSAC (ours: 256 AP3P hypotheses, soft inlier score, refinement) against OpenCV's
 *   own solvePnPRansac (hard inlier count, 100 iterations, same 10 px threshold, then its
 *   refinement) on the same correspondences: a 20 x 15 cell grid of the default network's
 *   camera, 0.5 px noise, 30% outliers; poses per second and median errors.
 * - Localizing one frame in a given scene: the network on the 4-room deployed graph pruned to
 *   that scene's outputs (what Localizer runs) against the whole graph (onnxruntime computes
 *   every scene's branch whatever outputs are asked for).
 * - A multi-scene training step (4 synthetic rooms x 4 frames, the default network) with
 *   gradient normalization vs plain summing, and forward+backward vs the forward alone.
 * Interleaved medians (bench-kit); --runs N (default 10); --write puts the figures into the
 * README's benchmark section.
 */
import { fileURLToPath } from 'node:url';
import { replaceSection, timeInterleaved } from '@gradloc/bench-kit';
import { adamw, MultiTaskTrainer, OnnxModel, rng, withBatchStatistics, pruneToOutputs, type Feeds } from '@gradloc/tensor-backend';
import { syntheticIntrinsics, syntheticRooms } from '../data/synthetic/index.js';
import { invertPose, lookAt, poseError, projectPoint, rodrigues, type Pose, type Vec3 } from '../geometry/pose.js';
import { DEFAULT_NETWORK } from '../model/config.js';
import { addCoordinateLoss } from '../model/loss.js';
import { deployGraph, IMAGE_INPUT, sceneGraph } from '../model/network.js';
import { coordsOutput, uncertaintyOutput } from '../model/names.js';
import { isStatistic } from '../model/params.js';
import { openCv, type CvMat } from '../pnp/opencv.js';
import { solvePnpRansac } from '../pnp/ransac.js';
import { sampleOf } from '../train/samples.js';
import { batchFeeds, initialStore } from '../train/train.js';
import { median } from '../eval/metrics.js';

const flag = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};

const K = syntheticIntrinsics(160, 120);

/** Cell-grid correspondences of a random pose: points 1-5 m deep, noise, the first 30% outliers. */
function pnpCase(seed: number): { pose: Pose; points: Float64Array; pixels: Float64Array } {
  const rand = rng(seed);
  const eye: Vec3 = [rand() * 4, rand() * 3, 1.2 + rand() * 0.6];
  const yaw = rand() * 2 * Math.PI;
  const pose: Pose = { R: lookAt(eye, [eye[0] + Math.cos(yaw), eye[1] + Math.sin(yaw), eye[2]], [0, 0, 1]), t: eye };
  const n = 300;
  const points = new Float64Array(n * 3);
  const pixels = new Float64Array(n * 2);
  const gauss = (): number => Math.sqrt(-2 * Math.log(1 - rand())) * Math.cos(2 * Math.PI * rand());
  for (let c = 0; c < n; c++) {
    const [u, v] = [4 + 8 * (c % 20), 4 + 8 * Math.floor(c / 20)];
    const d = 1 + rand() * 4;
    const cam: Vec3 = [((u - K.cx) / K.fx) * d, ((v - K.cy) / K.fy) * d, d];
    const X = [0, 1, 2].map((r) => pose.R[r * 3] * cam[0] + pose.R[r * 3 + 1] * cam[1] + pose.R[r * 3 + 2] * cam[2] + pose.t[r]) as unknown as Vec3;
    const p = projectPoint(X, pose, K)!;
    points.set(c < n * 0.3 ? [rand() * 6, rand() * 5, rand() * 3] : X, c * 3);
    pixels.set([p[0] + 0.5 * gauss(), p[1] + 0.5 * gauss()], c * 2);
  }
  return { pose, points, pixels };
}

/** OpenCV's solvePnPRansac (camera-to-world pose) as the baseline. */
async function opencvRansac(points: Float64Array, pixels: Float64Array): Promise<Pose> {
  const cv = (await openCv()) as unknown as {
    CV_64F: number;
    SOLVEPNP_ITERATIVE: number;
    Mat: new () => CvMat;
    matFromArray(r: number, c: number, t: number, d: ArrayLike<number>): CvMat;
    solvePnPRansac(...args: unknown[]): boolean;
  };
  const n = points.length / 3;
  const mats = [cv.matFromArray(n, 3, cv.CV_64F, points), cv.matFromArray(n, 2, cv.CV_64F, pixels), cv.matFromArray(3, 3, cv.CV_64F, [K.fx, 0, K.cx, 0, K.fy, K.cy, 0, 0, 1]), new cv.Mat(), new cv.Mat(), new cv.Mat(), new cv.Mat()];
  try {
    const [obj, img, cam, dist, rvec, tvec, inliers] = mats;
    cv.solvePnPRansac(obj, img, cam, dist, rvec, tvec, false, 100, 10, 0.99, inliers, cv.SOLVEPNP_ITERATIVE);
    const r = rvec.data64F;
    const t = tvec.data64F;
    return invertPose({ R: rodrigues([r[0], r[1], r[2]]), t: [t[0], t[1], t[2]] });
  } finally {
    for (const m of mats) m.delete();
  }
}

async function main(): Promise<void> {
  const runs = flag('runs', 10);
  const cases = Array.from({ length: 20 }, (_, i) => pnpCase(i + 1));
  let k = 0;
  const errors = { ours: [] as number[][], opencv: [] as number[][] };
  const record = (which: 'ours' | 'opencv', pose: Pose, truth: Pose): void => {
    const e = poseError(pose, truth);
    errors[which].push([e.translationCm, e.rotationDeg]);
  };
  await openCv();
  const pnp = await timeInterleaved(
    {
      ours: async () => {
        const c = cases[k++ % cases.length];
        record('ours', (await solvePnpRansac(c.points, c.pixels, K)).pose, c.pose);
      },
      opencv: async () => {
        const c = cases[k++ % cases.length];
        record('opencv', await opencvRansac(c.points, c.pixels), c.pose);
      },
    },
    runs * 2,
    1,
  );

  const scenes = syntheticRooms({ seed: 1, rooms: 4, train: 8, test: 1 });
  const names = scenes.map((s) => s.name);
  const samples = await Promise.all(scenes.map(async (s) => Promise.all([0, 1, 2, 3].map(async (i) => sampleOf(await s.frame('train', i), DEFAULT_NETWORK)))));
  const store = initialStore(DEFAULT_NETWORK, names, names.map(() => [0, 0, 1] as Vec3), 0);
  const tasks = names.map((s) => ({ name: s, model: addCoordinateLoss(withBatchStatistics(sceneGraph(DEFAULT_NETWORK, s, 'adaptive', store))) }));
  const feeds: Record<string, Feeds> = Object.fromEntries(names.map((s, i) => [s, batchFeeds(DEFAULT_NETWORK, samples[i])]));
  const trainer = (shared: 'sum' | 'normalize'): MultiTaskTrainer => new MultiTaskTrainer({ tasks, params: (n) => !isStatistic(n), optimizer: adamw({ weightDecay: 0 }), shared, normalize: /^layers\.\d+\.shared$/ });
  const [normalized, summed] = [trainer('normalize'), trainer('sum')];
  const forwards = tasks.map((t) => OnnxModel.fromGraph(t.model, { spinning: false }));
  const step = await timeInterleaved(
    {
      normalized: () => normalized.step(feeds),
      summed: () => summed.step(feeds),
      forward: async () => {
        for (const [i, m] of forwards.entries()) await m.run(feeds[names[i]], ['loss']);
      },
    },
    runs,
    1,
  );
  await Promise.all([normalized.release(), summed.release(), ...forwards.map((m) => m.release())]);

  // the shipped model's sharing pattern (layers 1, 4, 5, 6 shared)
  const deployed = deployGraph(DEFAULT_NETWORK, names, [true, false, false, true, true, true, false], store);
  const wanted = [coordsOutput(names[0]), uncertaintyOutput(names[0])];
  const [whole, pruned] = [OnnxModel.fromGraph(deployed), OnnxModel.fromGraph(pruneToOutputs(deployed, wanted))];
  // one frame: the first of the room's training batch
  const batch = feeds[names[0]][IMAGE_INPUT];
  const frame1 = { [IMAGE_INPUT]: { ...batch, dims: [1, ...batch.dims.slice(1)], data: batch.data.slice(0, batch.data.length / batch.dims[0]) } };
  const network = await timeInterleaved({ pruned: () => pruned.run(frame1, wanted), whole: () => whole.run(frame1, wanted), all: () => whole.run(frame1) }, runs * 2, 2);
  await Promise.all([whole.release(), pruned.release()]);

  const med = (which: 'ours' | 'opencv', col: 0 | 1): number => median(errors[which].map((e) => e[col]));
  const report = {
    pnp: {
      correspondences: 300,
      outliers: 0.3,
      ours_poses_per_sec: 1000 / pnp.ours.medianMs,
      opencv_poses_per_sec: 1000 / pnp.opencv.medianMs,
      ours_median_cm: med('ours', 0),
      ours_median_deg: med('ours', 1),
      opencv_median_cm: med('opencv', 0),
      opencv_median_deg: med('opencv', 1),
    },
    training_step: {
      scenes: 4,
      frames_per_scene: 4,
      normalized_ms: step.normalized.medianMs,
      summed_ms: step.summed.medianMs,
      normalization_overhead: step.normalized.medianMs / step.summed.medianMs - 1,
      forward_ms: step.forward.medianMs,
      step_vs_forward: step.normalized.medianMs / step.forward.medianMs,
    },
    network_one_frame: {
      scene_ms: network.pruned.medianMs,
      whole_graph_ms: network.whole.medianMs,
      every_scene_ms: network.all.medianMs,
      speedup: network.whole.medianMs / network.pruned.medianMs,
    },
    runs,
  };
  console.log(JSON.stringify(report, null, 2));
  if (process.argv.includes('--write')) {
    const p = report.pnp;
    const s = report.training_step;
    const n = report.network_one_frame;
    const f = (x: number, d = 1): string => x.toFixed(d);
    replaceSection(
      fileURLToPath(new URL('../../README.md', import.meta.url)),
      'ofvl-bench',
      [
        `| measured (\`npm run bench -w @gradloc/ofvl-localize\`, medians of ${runs}+ interleaved runs) | value |`,
        '|---|---|',
        `| PnP-RANSAC, ours (256 AP3P hypotheses, soft inliers, refinement): poses/s | ${f(p.ours_poses_per_sec)} |`,
        `| OpenCV solvePnPRansac (100 iterations, same threshold): poses/s | ${f(p.opencv_poses_per_sec)} |`,
        `| median error ours / OpenCV (300 cells, 30% outliers, 0.5 px noise, f = ${K.fx} px) | ${f(p.ours_median_cm, 2)} cm ${f(p.ours_median_deg, 3)} deg / ${f(p.opencv_median_cm, 2)} cm ${f(p.opencv_median_deg, 3)} deg |`,
        `| network, one 160x120 frame in a given room: pruned to that room / whole 4-room graph asked for that room / every room | ${f(n.scene_ms, 2)} ms / ${f(n.whole_graph_ms, 2)} ms / ${f(n.every_scene_ms, 2)} ms (${f(n.speedup, 2)}x) |`,
        `| training step, 4 rooms x 4 frames: with gradient normalization / summed | ${f(s.normalized_ms)} ms / ${f(s.summed_ms)} ms (${f(100 * s.normalization_overhead)}%) |`,
        `| training step / forward of the 4 scene graphs | ${f(s.step_vs_forward, 2)}x |`,
      ].join('\n'),
    );
  }
}

await main();
