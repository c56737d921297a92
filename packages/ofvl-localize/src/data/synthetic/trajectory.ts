/**
 * Camera trajectories: smooth hand-held-like paths inside a room. A sequence is a Catmull-Rom
 * spline through random free waypoints, for position, height and yaw/pitch/roll alike, sampled
 * at equal arc length. Every frame is checked (clearance from walls and furniture, a view that
 * sees the room rather than a wall at arm's length); a failing draw is redrawn from the same
 * random stream, so sequences stay deterministic.
 */
import { GradlocError, rng, type Rand } from '@gradloc/tensor-backend';
import { lookAt, matMul3, rodrigues, type Intrinsics, type Pose } from '../../geometry/pose.js';
import { within } from './draws.js';
import type { BoxCaster } from './raycast.js';
import { isFree, type RoomLayout } from './room.js';

/** Camera heights (metres) a sequence moves between. */
export const HEIGHT_RANGE: readonly [number, number] = [1.1, 1.8];
const PITCH_RANGE_DEG: readonly [number, number] = [-15, 8];
const ROLL_RANGE_DEG: readonly [number, number] = [-4, 4];
/** A waypoint's view must reach this far horizontally, so the camera faces into the room. */
const MIN_SIGHT = 1.3;
/** Per-frame view check on a 5x5 grid of rays: no probe nearer than MIN_PROBE, median at least MEDIAN_PROBE. */
const MIN_PROBE = 0.35;
const MEDIAN_PROBE = 0.9;
/** One waypoint per this many frames: sets how far the camera moves between frames (~10-20 cm). */
const FRAMES_PER_WAYPOINT = 10;

const DEG = Math.PI / 180;

/** Camera-to-world rotation: yaw about world z (0 = looking along +x), then pitch up, then roll. */
export function cameraRotation(yaw: number, pitch: number, roll: number): number[] {
  const look = lookAt([0, 0, 0], [Math.cos(yaw), Math.sin(yaw), 0], [0, 0, 1]);
  // in camera axes (x right, y down, z forward) a positive turn about x tilts z towards -y: up
  return matMul3(look, matMul3(rodrigues([pitch, 0, 0]), rodrigues([0, 0, roll])));
}

/** Catmull-Rom interpolation between p1 and p2 at s in [0, 1]. */
function catmullRom(p0: number, p1: number, p2: number, p3: number, s: number): number {
  const s2 = s * s;
  return 0.5 * (2 * p1 + (-p0 + p2) * s + (2 * p0 - 5 * p1 + 4 * p2 - p3) * s2 + (-p0 + 3 * p1 - 3 * p2 + p3) * s2 * s);
}

/** [x, y, z, yaw, pitch, roll] per waypoint. */
type Key = readonly [number, number, number, number, number, number];

/** The spline through `keys` at parameter `s` in [0, keys.length - 1]; ends extended by reflection. */
function splineAt(keys: readonly Key[], s: number): number[] {
  const n = keys.length;
  const i = Math.min(n - 2, Math.floor(s));
  const f = s - i;
  const at = (k: number): Key => {
    if (k >= 0 && k < n) return keys[k];
    const [a, b] = k < 0 ? [keys[0], keys[1]] : [keys[n - 1], keys[n - 2]];
    return a.map((x, j) => 2 * x - b[j]) as unknown as Key;
  };
  const [a, b, c, d] = [at(i - 1), at(i), at(i + 1), at(i + 2)];
  return a.map((_, j) => catmullRom(a[j], b[j], c[j], d[j], f));
}

/** Horizontal distance from (x, y, z) along yaw to the first surface. */
function sight(caster: BoxCaster, x: number, y: number, z: number, yaw: number): number {
  return caster.cast(x, y, z, Math.cos(yaw), Math.sin(yaw), 0);
}

function segmentFree(layout: RoomLayout, a: Key, b: Key): boolean {
  const steps = Math.ceil(Math.hypot(b[0] - a[0], b[1] - a[1]) / 0.05);
  for (let i = 0; i <= steps; i++) {
    const s = i / Math.max(1, steps);
    if (!isFree(layout.room, layout.furniture, a[0] + (b[0] - a[0]) * s, a[1] + (b[1] - a[1]) * s)) return false;
  }
  return true;
}

function drawWaypoints(layout: RoomLayout, caster: BoxCaster, count: number, rand: Rand): Key[] | null {
  const { room, furniture } = layout;
  const keys: Key[] = [];
  for (let tries = 0; keys.length < count; tries++) {
    if (tries > 400) return null;
    const x = within(rand, [room.min[0], room.max[0]]);
    const y = within(rand, [room.min[1], room.max[1]]);
    const z = within(rand, HEIGHT_RANGE);
    if (!isFree(room, furniture, x, y)) continue;
    const prev = keys[keys.length - 1];
    if (prev && (Math.hypot(x - prev[0], y - prev[1]) < 0.6 || !segmentFree(layout, prev, [x, y, z, 0, 0, 0]))) continue;
    let yaw = NaN;
    for (let k = 0; k < 24 && Number.isNaN(yaw); k++) {
      const candidate = rand() * 2 * Math.PI;
      if (sight(caster, x, y, z, candidate) >= MIN_SIGHT) yaw = candidate;
    }
    if (Number.isNaN(yaw)) continue;
    if (prev) {
      // unwrap so the spline turns the short way round
      yaw = prev[3] + (((yaw - prev[3] + 3 * Math.PI) % (2 * Math.PI)) - Math.PI);
    }
    keys.push([x, y, z, yaw, within(rand, PITCH_RANGE_DEG) * DEG, within(rand, ROLL_RANGE_DEG) * DEG]);
  }
  return keys;
}

/** Whether the camera at `pose` stands clear and sees into the room (5x5 probe rays). */
export function viewOk(layout: RoomLayout, caster: BoxCaster, pose: Pose, K: Intrinsics): boolean {
  const [x, y, z] = pose.t;
  if (!isFree(layout.room, layout.furniture, x, y) || z < HEIGHT_RANGE[0] - 0.1 || z > HEIGHT_RANGE[1] + 0.1) return false;
  const R = pose.R;
  const depths: number[] = [];
  for (let j = 0; j < 5; j++) {
    for (let i = 0; i < 5; i++) {
      // probes spread over the field of view (not pixels), so poses do not change with the image size
      const xc = (((i + 0.5) / 5 - 0.5) * K.width) / K.fx;
      const yc = (((j + 0.5) / 5 - 0.5) * K.height) / K.fy;
      depths.push(caster.cast(x, y, z, R[0] * xc + R[1] * yc + R[2], R[3] * xc + R[4] * yc + R[5], R[6] * xc + R[7] * yc + R[8]));
    }
  }
  depths.sort((a, b) => a - b);
  return depths[0] >= MIN_PROBE && depths[12] >= MEDIAN_PROBE;
}

/** Poses of `frames` equally spaced (by path length) frames along the spline through `keys`. */
function sampleSpline(keys: readonly Key[], frames: number): Pose[] {
  const dense: number[][] = [];
  const perSegment = 40;
  for (let i = 0; i <= (keys.length - 1) * perSegment; i++) dense.push(splineAt(keys, i / perSegment));
  const arc = [0];
  for (let i = 1; i < dense.length; i++) arc.push(arc[i - 1] + Math.hypot(dense[i][0] - dense[i - 1][0], dense[i][1] - dense[i - 1][1], dense[i][2] - dense[i - 1][2]));
  const total = arc[arc.length - 1];
  const poses: Pose[] = [];
  let k = 0;
  for (let f = 0; f < frames; f++) {
    const target = frames === 1 ? 0 : (total * f) / (frames - 1);
    while (k < arc.length - 2 && arc[k + 1] < target) k++;
    const span = arc[k + 1] - arc[k];
    const s = (k + (span > 0 ? Math.min(1, (target - arc[k]) / span) : 0)) / perSegment;
    const [x, y, z, yaw, pitch, roll] = splineAt(keys, s);
    poses.push({ R: cameraRotation(yaw, pitch, roll), t: [x, y, z] });
  }
  return poses;
}

/** One smooth sequence of `frames` poses, deterministic in `seed`. */
export function sequencePoses(layout: RoomLayout, caster: BoxCaster, K: Intrinsics, frames: number, seed: number): Pose[] {
  const rand = rng(seed);
  const waypoints = Math.max(3, Math.ceil(frames / FRAMES_PER_WAYPOINT) + 1);
  for (let attempt = 0; attempt < 500; attempt++) {
    const keys = drawWaypoints(layout, caster, waypoints, rand);
    if (!keys) continue;
    const poses = sampleSpline(keys, frames);
    if (poses.every((p) => viewOk(layout, caster, p, K))) return poses;
  }
  throw new GradlocError('RUNTIME_ERROR', `no camera path of ${frames} frames fits ${layout.name}; try other intrinsics or a smaller sequence length`);
}
