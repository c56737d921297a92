/**
 * PnP-RANSAC as DSAC++ and UFVL-Net run it (pnpransac.cpp):
 * 1. `hypotheses` poses, each from 4 distinct random correspondences solved with OpenCV's
 *    minimal solver (AP3P: the P3P family's algebraic solver; OpenCV.js 4.12's SOLVEPNP_P3P
 *    refuses valid 4-point sets, measured), kept only if all 4 reproject within `threshold`;
 * 2. each scored by its soft outlier count sum_i sigmoid(0.5 (err_i - threshold)) over every
 *    correspondence; the lowest wins;
 * 3. refined up to `refinements` times: inliers (err < threshold), OpenCV's iterative PnP
 *    (Levenberg-Marquardt on reprojection error) from the current pose, until the pose moves
 *    less than 0.01 deg and 0.1 mm (the reference's max(deg, 100 |dt|) < 0.01).
 * Reprojection and scoring run in JS over typed arrays; OpenCV solves only the small systems.
 */
import { GradlocError, rng, type Rand } from '@gradloc/tensor-backend';
import { invertPose, matMul3, rodrigues, rotationAngleDeg, transpose3, type Intrinsics, type Pose, type Vec3 } from '../geometry/pose.js';
import { openCv, type CvMat, type OpenCv } from './opencv.js';
import { checkCorrespondences, type InvalidRows } from './validate.js';

export interface PnpOptions {
  /** Inlier threshold on the reprojection error, pixels (default 10, the reference's). */
  readonly threshold?: number;
  /** Minimal-set hypotheses (default 256). */
  readonly hypotheses?: number;
  /** Refinement rounds at most (default 100). */
  readonly refinements?: number;
  /** Seed of the minimal-set sampling (default 0): same input and seed, same pose. */
  readonly seed?: number;
  /** Rows with NaN/infinity: 'refuse' (default; user input) or 'skip' (cells without a prediction). */
  readonly invalid?: InvalidRows;
}

export interface PnpResult {
  /** Camera-to-world. */
  readonly pose: Pose;
  /** Correspondences within the threshold of the final pose. */
  readonly inliers: number;
  /** Correspondences used (finite rows). */
  readonly correspondences: number;
  /** Minimal sets drawn, including rejected ones. */
  readonly samples: number;
  readonly ms: number;
}

export type CameraMatrix = Pick<Intrinsics, 'fx' | 'fy' | 'cx' | 'cy'>;

const DEFAULTS = { threshold: 10, hypotheses: 256, refinements: 100 } as const;
/** Draws per wanted hypothesis before giving up (all-outlier input never yields one). */
const MAX_DRAWS_PER_HYPOTHESIS = 100;

/** World-to-camera transform as OpenCV returns it (X_cam = R X + t). */
interface Extrinsics {
  readonly R: number[];
  readonly t: [number, number, number];
}

/** Reprojection error (pixels) of every correspondence; Infinity behind the camera. */
function reprojectionErrors(P: Float64Array, U: Float64Array, K: CameraMatrix, e: Extrinsics, out: Float64Array): void {
  const { R, t } = e;
  for (let i = 0; i < out.length; i++) {
    const x = P[i * 3];
    const y = P[i * 3 + 1];
    const z = P[i * 3 + 2];
    const cz = R[6] * x + R[7] * y + R[8] * z + t[2];
    if (!(cz > 1e-9)) {
      out[i] = Infinity;
      continue;
    }
    const u = (K.fx * (R[0] * x + R[1] * y + R[2] * z + t[0])) / cz + K.cx;
    const v = (K.fy * (R[3] * x + R[4] * y + R[5] * z + t[1])) / cz + K.cy;
    out[i] = Math.hypot(u - U[i * 2], v - U[i * 2 + 1]);
  }
}

/** The reference's soft outlier count: lower is better. */
function softOutliers(errors: Float64Array, threshold: number): number {
  let s = 0;
  for (let i = 0; i < errors.length; i++) s += 1 / (1 + Math.exp(-0.5 * (errors[i] - threshold)));
  return s;
}

/** Four distinct indices in [0, n). */
function drawFour(n: number, rand: Rand, into: number[]): void {
  into.length = 0;
  while (into.length < 4) {
    const i = Math.floor(rand() * n);
    if (!into.includes(i)) into.push(i);
  }
}

/** OpenCV Mats reused across calls of one solve (freed together). */
class Workspace {
  readonly minimalObject: CvMat;
  readonly minimalImage: CvMat;
  readonly camera: CvMat;
  readonly dist: CvMat;
  rvec: CvMat;
  tvec: CvMat;

  constructor(readonly cv: OpenCv, K: CameraMatrix) {
    this.minimalObject = cv.matFromArray(4, 3, cv.CV_64F, new Float64Array(12));
    this.minimalImage = cv.matFromArray(4, 2, cv.CV_64F, new Float64Array(8));
    this.camera = cv.matFromArray(3, 3, cv.CV_64F, [K.fx, 0, K.cx, 0, K.fy, K.cy, 0, 0, 1]);
    this.dist = new cv.Mat();
    this.rvec = new cv.Mat();
    this.tvec = new cv.Mat();
  }

  /** A Mat the caller deletes. */
  mat(rows: number, cols: number, data: ArrayLike<number>): CvMat {
    return this.cv.matFromArray(rows, cols, this.cv.CV_64F, data);
  }

  /** The current rvec/tvec as world-to-camera extrinsics (null when OpenCV left them empty). */
  extrinsics(): Extrinsics | null {
    const r = this.rvec.data64F;
    const t = this.tvec.data64F;
    if (r.length !== 3 || t.length !== 3 || ![...r, ...t].every(Number.isFinite)) return null;
    return { R: rodrigues([r[0], r[1], r[2]]), t: [t[0], t[1], t[2]] };
  }

  /** Sets rvec/tvec (fresh 3x1 Mats: a failed solve may have left them empty). */
  setGuess(e: Extrinsics): void {
    this.rvec.delete();
    this.tvec.delete();
    this.rvec = this.mat(3, 1, rodriguesVector(e.R));
    this.tvec = this.mat(3, 1, e.t);
  }

  free(): void {
    for (const m of [this.minimalObject, this.minimalImage, this.camera, this.dist, this.rvec, this.tvec]) m.delete();
  }
}

/** Rodrigues vector (axis * angle) of a rotation matrix. */
export function rodriguesVector(R: readonly number[]): Vec3 {
  const angle = (rotationAngleDeg(R) * Math.PI) / 180;
  if (angle < 1e-12) return [0, 0, 0];
  if (Math.PI - angle < 1e-6) {
    // near 180 deg the antisymmetric part vanishes: the axis is the column of R + I with the largest norm
    const cols = [0, 1, 2].map((c) => [R[c] + (c === 0 ? 1 : 0), R[3 + c] + (c === 1 ? 1 : 0), R[6 + c] + (c === 2 ? 1 : 0)]);
    const best = cols.reduce((a, b) => (Math.hypot(...b) > Math.hypot(...a) ? b : a));
    const n = Math.hypot(...best);
    return [(best[0] / n) * angle, (best[1] / n) * angle, (best[2] / n) * angle];
  }
  const s = angle / (2 * Math.sin(angle));
  return [(R[7] - R[5]) * s, (R[2] - R[6]) * s, (R[3] - R[1]) * s];
}

/**
 * The camera-to-world pose from 2D-3D correspondences: `points` [N, 3] world, `pixels` [N, 2]
 * (u right, v down, integer coordinates at pixel centres).
 */
export async function solvePnpRansac(points: ArrayLike<number>, pixels: ArrayLike<number>, K: CameraMatrix, opts: PnpOptions = {}): Promise<PnpResult> {
  const t0 = performance.now();
  const threshold = opts.threshold ?? DEFAULTS.threshold;
  const hypotheses = opts.hypotheses ?? DEFAULTS.hypotheses;
  const refinements = opts.refinements ?? DEFAULTS.refinements;
  if (!(threshold > 0)) throw new GradlocError('BAD_INPUT', `threshold must be > 0 pixels, got ${threshold}`);
  if (!(Number.isInteger(hypotheses) && hypotheses >= 1)) throw new GradlocError('BAD_INPUT', `hypotheses must be an integer >= 1, got ${hypotheses}`);
  if (!(Number.isInteger(refinements) && refinements >= 0)) throw new GradlocError('BAD_INPUT', `refinements must be an integer >= 0, got ${refinements}`);
  if (![K.fx, K.fy, K.cx, K.cy].every(Number.isFinite) || !(K.fx > 0 && K.fy > 0)) throw new GradlocError('BAD_INPUT', `camera needs finite focal lengths > 0 and a finite centre, got ${JSON.stringify(K)}`);
  const { points: P, pixels: U, count: n } = checkCorrespondences(points, pixels, opts.invalid);
  const cv = await openCv();
  const ws = new Workspace(cv, K);
  try {
    const rand = rng(opts.seed ?? 0);
    const errors = new Float64Array(n);
    const picked: number[] = [];
    let best: Extrinsics | null = null;
    let bestScore = Infinity;
    let found = 0;
    let samples = 0;
    const minimalErr = new Float64Array(4);
    while (found < hypotheses && samples < hypotheses * MAX_DRAWS_PER_HYPOTHESIS) {
      samples++;
      drawFour(n, rand, picked);
      picked.forEach((i, r) => {
        ws.minimalObject.data64F.set(P.subarray(i * 3, i * 3 + 3), r * 3);
        ws.minimalImage.data64F.set(U.subarray(i * 2, i * 2 + 2), r * 2);
      });
      if (!minimalSolve(ws)) continue;
      const e = ws.extrinsics();
      if (!e) continue;
      reprojectionErrors(ws.minimalObject.data64F, ws.minimalImage.data64F, K, e, minimalErr);
      if (!minimalErr.every((x) => x < threshold)) continue;
      found++;
      reprojectionErrors(P, U, K, e, errors);
      const score = softOutliers(errors, threshold);
      if (score < bestScore) [best, bestScore] = [e, score];
    }
    if (!best) throw new GradlocError('BAD_INPUT', `no pose: none of ${samples} minimal sets of the ${n} correspondences agreed within ${threshold} px`);
    const refined = refine(ws, P, U, K, best, threshold, refinements, errors);
    reprojectionErrors(P, U, K, refined, errors);
    const inliers = errors.reduce((c, x) => c + (x < threshold ? 1 : 0), 0);
    return { pose: invertPose({ R: refined.R, t: refined.t }), inliers, correspondences: n, samples, ms: performance.now() - t0 };
  } finally {
    ws.free();
  }
}

/** AP3P on the 4 picked correspondences; OpenCV.js throws (an exception pointer) on some degenerate sets: no hypothesis. */
function minimalSolve(ws: Workspace): boolean {
  try {
    return ws.cv.solvePnP(ws.minimalObject, ws.minimalImage, ws.camera, ws.dist, ws.rvec, ws.tvec, false, ws.cv.SOLVEPNP_AP3P);
  } catch {
    return false;
  }
}

function refine(ws: Workspace, P: Float64Array, U: Float64Array, K: CameraMatrix, start: Extrinsics, threshold: number, rounds: number, errors: Float64Array): Extrinsics {
  const { cv } = ws;
  let current = start;
  for (let round = 0; round < rounds; round++) {
    reprojectionErrors(P, U, K, current, errors);
    const inl: number[] = [];
    errors.forEach((x, i) => {
      if (x < threshold) inl.push(i);
    });
    if (inl.length < 4) break;
    const obj = ws.mat(inl.length, 3, inl.flatMap((i) => [P[i * 3], P[i * 3 + 1], P[i * 3 + 2]]));
    const img = ws.mat(inl.length, 2, inl.flatMap((i) => [U[i * 2], U[i * 2 + 1]]));
    ws.setGuess(current);
    let ok = false;
    try {
      ok = cv.solvePnP(obj, img, ws.camera, ws.dist, ws.rvec, ws.tvec, true, cv.SOLVEPNP_ITERATIVE);
    } finally {
      obj.delete();
      img.delete();
    }
    const next = ok ? ws.extrinsics() : null;
    if (!next) break;
    const moved = Math.max(rotationAngleDeg(matMul3(transpose3(current.R), next.R)), 100 * Math.hypot(next.t[0] - current.t[0], next.t[1] - current.t[1], next.t[2] - current.t[2]));
    current = next;
    if (moved < 0.01) break;
  }
  return current;
}
