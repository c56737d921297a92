/**
 * Camera geometry shared by the renderer, the pose solver and the metrics.
 *
 * Conventions (OpenCV's, as 7-Scenes and DSAC use them): camera x right, y down, z forward;
 * rotation matrices row-major in a 9-element array; a `Pose` is CAMERA-TO-WORLD,
 * X_world = R X_cam + t, so `t` is the camera centre in world coordinates (metres).
 */
import { GradlocError } from '@gradloc/tensor-backend';

export type Vec3 = readonly [number, number, number];
/** Row-major 3x3 matrix. */
export type Mat3 = readonly number[];
/** Unit quaternion [qw, qx, qy, qz] (qw >= 0). */
export type Quaternion = readonly [number, number, number, number];

/** Camera-to-world pose: X_world = R X_cam + t. */
export interface Pose {
  readonly R: Mat3;
  readonly t: Vec3;
}

/** Pinhole intrinsics in pixels; (0, 0) is the top-left corner of the top-left pixel. */
export interface Intrinsics {
  readonly fx: number;
  readonly fy: number;
  readonly cx: number;
  readonly cy: number;
  readonly width: number;
  readonly height: number;
}

export const IDENTITY3: Mat3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];

export function matMul3(a: Mat3, b: Mat3): number[] {
  const out = new Array<number>(9);
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) out[i * 3 + j] = a[i * 3] * b[j] + a[i * 3 + 1] * b[3 + j] + a[i * 3 + 2] * b[6 + j];
  }
  return out;
}

export function transpose3(a: Mat3): number[] {
  return [a[0], a[3], a[6], a[1], a[4], a[7], a[2], a[5], a[8]];
}

export function matVec3(a: Mat3, v: Vec3): [number, number, number] {
  return [a[0] * v[0] + a[1] * v[1] + a[2] * v[2], a[3] * v[0] + a[4] * v[1] + a[5] * v[2], a[6] * v[0] + a[7] * v[1] + a[8] * v[2]];
}

/** The inverse pose (camera-to-world <-> world-to-camera). */
export function invertPose(p: Pose): Pose {
  const Rt = transpose3(p.R);
  const t = matVec3(Rt, p.t);
  return { R: Rt, t: [-t[0], -t[1], -t[2]] };
}

/** Rotation matrix from a Rodrigues vector (axis * angle in radians). */
export function rodrigues(r: Vec3): number[] {
  const theta = Math.hypot(r[0], r[1], r[2]);
  if (theta < 1e-12) return [...IDENTITY3];
  const [x, y, z] = [r[0] / theta, r[1] / theta, r[2] / theta];
  const c = Math.cos(theta);
  const s = Math.sin(theta);
  const C = 1 - c;
  return [
    c + x * x * C, x * y * C - z * s, x * z * C + y * s,
    y * x * C + z * s, c + y * y * C, y * z * C - x * s,
    z * x * C - y * s, z * y * C + x * s, c + z * z * C,
  ];
}

/** Rotation angle of R in degrees (acos of (trace - 1) / 2, clamped). */
export function rotationAngleDeg(R: Mat3): number {
  const c = Math.min(1, Math.max(-1, (R[0] + R[4] + R[8] - 1) / 2));
  return (Math.acos(c) * 180) / Math.PI;
}

/** Unit quaternion [qw, qx, qy, qz] of a rotation matrix (Shepperd's method), qw >= 0. */
export function quaternionOf(R: Mat3): Quaternion {
  const tr = R[0] + R[4] + R[8];
  let q: [number, number, number, number];
  if (tr > 0) {
    const s = Math.sqrt(tr + 1) * 2;
    q = [s / 4, (R[7] - R[5]) / s, (R[2] - R[6]) / s, (R[3] - R[1]) / s];
  } else if (R[0] > R[4] && R[0] > R[8]) {
    const s = Math.sqrt(1 + R[0] - R[4] - R[8]) * 2;
    q = [(R[7] - R[5]) / s, s / 4, (R[1] + R[3]) / s, (R[2] + R[6]) / s];
  } else if (R[4] > R[8]) {
    const s = Math.sqrt(1 + R[4] - R[0] - R[8]) * 2;
    q = [(R[2] - R[6]) / s, (R[1] + R[3]) / s, s / 4, (R[5] + R[7]) / s];
  } else {
    const s = Math.sqrt(1 + R[8] - R[0] - R[4]) * 2;
    q = [(R[3] - R[1]) / s, (R[2] + R[6]) / s, (R[5] + R[7]) / s, s / 4];
  }
  const n = Math.hypot(...q) * (q[0] < 0 ? -1 : 1);
  return [q[0] / n, q[1] / n, q[2] / n, q[3] / n];
}

/** Rotation matrix of a (not necessarily unit) quaternion [qw, qx, qy, qz]. */
export function rotationOf(q: Quaternion): number[] {
  const n = Math.hypot(...q);
  if (!(n > 0)) throw new GradlocError('BAD_INPUT', 'quaternion of zero length');
  const [w, x, y, z] = [q[0] / n, q[1] / n, q[2] / n, q[3] / n];
  return [
    1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
    2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
    2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
  ];
}

export interface PoseError {
  /** Distance between the camera centres, centimetres. */
  readonly translationCm: number;
  /** Angle of R_est^T R_true, degrees. */
  readonly rotationDeg: number;
}

/** Error of an estimated camera-to-world pose against the true one (7-Scenes metric). */
export function poseError(estimate: Pose, truth: Pose): PoseError {
  const d = [estimate.t[0] - truth.t[0], estimate.t[1] - truth.t[1], estimate.t[2] - truth.t[2]];
  return {
    translationCm: 100 * Math.hypot(d[0], d[1], d[2]),
    rotationDeg: rotationAngleDeg(matMul3(transpose3(estimate.R), truth.R)),
  };
}

/** Pixel (u, v) of world point X seen by a camera at camera-to-world `pose`; null behind the camera. */
export function projectPoint(X: Vec3, pose: Pose, K: Intrinsics): [number, number] | null {
  const d: Vec3 = [X[0] - pose.t[0], X[1] - pose.t[1], X[2] - pose.t[2]];
  const c = matVec3(transpose3(pose.R), d);
  if (!(c[2] > 1e-9)) return null;
  return [K.fx * (c[0] / c[2]) + K.cx, K.fy * (c[1] / c[2]) + K.cy];
}

/**
 * Camera-to-world rotation looking from `eye` towards `target` with world `up` (the image's
 * y axis points away from `up`).
 */
export function lookAt(eye: Vec3, target: Vec3, up: Vec3): number[] {
  const z = normalize([target[0] - eye[0], target[1] - eye[1], target[2] - eye[2]]);
  // x = z cross up is the image's right; y = z cross x then points away from `up` (down)
  const x = normalize(cross(z, up));
  const y = cross(z, x);
  // columns are the camera axes in world coordinates
  return [x[0], y[0], z[0], x[1], y[1], z[1], x[2], y[2], z[2]];
}

export function cross(a: Vec3, b: Vec3): [number, number, number] {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

export function normalize(v: Vec3): [number, number, number] {
  const n = Math.hypot(v[0], v[1], v[2]);
  if (!(n > 0)) throw new GradlocError('BAD_INPUT', 'cannot normalize a zero vector');
  return [v[0] / n, v[1] / n, v[2] / n];
}
