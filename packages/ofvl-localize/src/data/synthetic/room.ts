/**
 * Room layouts: an axis-aligned box seen from inside (world z up, floor at z = 0, the room
 * centred on the origin in x and y) with 3-6 box furniture items standing on the floor, and
 * where a camera may stand.
 */
import { GradlocError, rng, type Rand } from '@gradloc/tensor-backend';
import type { Vec3 } from '../../geometry/pose.js';
import type { FloorPlan } from '../frame.js';
import { within } from './draws.js';
import { mixSeed } from './noise.js';
import { roomPalette, type Palette } from './palette.js';

export interface Box {
  readonly min: Vec3;
  readonly max: Vec3;
}

export type FurnitureKind = 'table' | 'desk' | 'shelf' | 'cabinet' | 'crate';

export interface Furniture extends Box {
  readonly kind: FurnitureKind;
  /** Face turned to the room (axis * 2 + (0 for the min side, 1 for the max side)); null when free-standing. */
  readonly front: number | null;
}

export interface RoomLayout {
  readonly name: string;
  /** 0-based room number. */
  readonly index: number;
  readonly seed: number;
  /** The room's interior. */
  readonly room: Box;
  readonly furniture: readonly Furniture[];
  readonly palette: Palette;
}

/** A camera centre keeps this far (metres) from every wall... */
export const WALL_CLEARANCE = 0.4;
/** ...and this far from every furniture footprint (whatever the camera height). */
export const FURNITURE_CLEARANCE = 0.3;

/** Width (x), depth (y), height (z) in metres of rooms 1-4; later rooms draw sizes in the same range. */
export const PRESET_ROOM_SIZES: readonly Vec3[] = [
  [3, 3, 2.5],
  [4.5, 3.5, 2.6],
  [5.2, 4, 2.7],
  [6, 4.5, 2.8],
];

interface KindSpec {
  /** Ranges of [width, depth, height]; width runs along the wall for wall-standing items. */
  readonly size: readonly [readonly [number, number], readonly [number, number], readonly [number, number]];
  readonly againstWall: boolean;
}

const KINDS: Readonly<Record<FurnitureKind, KindSpec>> = {
  table: { size: [[0.7, 1.4], [0.6, 0.9], [0.72, 0.78]], againstWall: false },
  desk: { size: [[1.0, 1.6], [0.55, 0.75], [0.72, 0.78]], againstWall: true },
  shelf: { size: [[0.7, 1.6], [0.28, 0.4], [1.5, 2.1]], againstWall: true },
  cabinet: { size: [[0.5, 1.2], [0.4, 0.6], [0.8, 1.1]], againstWall: true },
  crate: { size: [[0.35, 0.6], [0.35, 0.6], [0.3, 0.6]], againstWall: false },
};

function roomSize(index: number, rand: Rand): Vec3 {
  if (index < PRESET_ROOM_SIZES.length) return PRESET_ROOM_SIZES[index];
  return [within(rand, [3, 6]), within(rand, [3, 4.5]), within(rand, [2.5, 2.8])];
}

/** Room `index` (0-based) of the world drawn from `seed`. */
export function roomLayout(seed: number, index: number): RoomLayout {
  const rand = rng(mixSeed(seed, index, 0x600d));
  const [w, d, h] = roomSize(index, rand);
  const room: Box = { min: [-w / 2, -d / 2, 0], max: [w / 2, d / 2, h] };
  const palette = roomPalette(index, rand);
  const count = Math.min(6, Math.max(3, Math.round((w * d) / 4.5)));
  const furniture = placeFurniture(room, count, rand);
  return { name: `room-${index + 1}`, index, seed, room, furniture, palette };
}

/** The kinds to place: always a shelf, a table and a cabinet or desk, then a random mix. */
function kindsFor(count: number, rand: Rand): FurnitureKind[] {
  const kinds: FurnitureKind[] = ['shelf', 'table', rand() < 0.5 ? 'cabinet' : 'desk'];
  const all = Object.keys(KINDS) as FurnitureKind[];
  while (kinds.length < count) kinds.push(all[Math.floor(rand() * all.length)]);
  return kinds;
}

function placeOne(room: Box, kind: FurnitureKind, rand: Rand): Furniture {
  const spec = KINDS[kind];
  const [along, deep, high] = [within(rand, spec.size[0]), within(rand, spec.size[1]), Math.min(within(rand, spec.size[2]), room.max[2] - 0.3)];
  if (!spec.againstWall) {
    const rot = rand() < 0.5;
    const [sx, sy] = rot ? [deep, along] : [along, deep];
    const x = room.min[0] + 0.5 + sx / 2 + rand() * (room.max[0] - room.min[0] - 1 - sx);
    const y = room.min[1] + 0.5 + sy / 2 + rand() * (room.max[1] - room.min[1] - 1 - sy);
    return { kind, front: null, min: [x - sx / 2, y - sy / 2, 0], max: [x + sx / 2, y + sy / 2, high] };
  }
  // against wall `wall`: 0/1 = the x = min/max walls, 2/3 = the y = min/max walls
  const wall = Math.floor(rand() * 4);
  const axis = wall < 2 ? 0 : 1;
  const other = 1 - axis;
  const span = room.max[other] - room.min[other];
  const c = room.min[other] + along / 2 + rand() * Math.max(0, span - along);
  const gap = 0.02;
  const min = [0, 0, 0];
  const max = [0, 0, high];
  min[other] = c - along / 2;
  max[other] = c + along / 2;
  if (wall % 2 === 0) [min[axis], max[axis]] = [room.min[axis] + gap, room.min[axis] + gap + deep];
  else [min[axis], max[axis]] = [room.max[axis] - gap - deep, room.max[axis] - gap];
  // the front faces away from the wall: the max side for a min wall
  return { kind, front: axis * 2 + (wall % 2 === 0 ? 1 : 0), min: [min[0], min[1], 0], max: [max[0], max[1], max[2]] };
}

const footprintsOverlap = (a: Box, b: Box, gap: number): boolean =>
  a.min[0] < b.max[0] + gap && b.min[0] < a.max[0] + gap && a.min[1] < b.max[1] + gap && b.min[1] < a.max[1] + gap;

function placeFurniture(room: Box, count: number, rand: Rand): Furniture[] {
  for (let attempt = 0; ; attempt++) {
    // drop an item every 50 failed attempts (never below 3) so crowded draws always end
    const n = Math.max(3, count - Math.floor(attempt / 50));
    const items: Furniture[] = [];
    for (const kind of kindsFor(n, rand)) {
      for (let tries = 0; tries < 30; tries++) {
        const item = placeOne(room, kind, rand);
        if (item.max[0] - item.min[0] > room.max[0] - room.min[0] - 0.1 || item.max[1] - item.min[1] > room.max[1] - room.min[1] - 0.1) continue;
        if (items.every((o) => !footprintsOverlap(item, o, 0.15))) {
          items.push(item);
          break;
        }
      }
    }
    if (items.length === n && walkable(room, items)) return items;
    if (attempt > 1000) throw new GradlocError('RUNTIME_ERROR', `no furniture layout fits a ${room.max[0] - room.min[0]} x ${room.max[1] - room.min[1]} m room`);
  }
}

/** Whether a camera centre at (x, y) keeps its clearance from walls and furniture. */
export function isFree(room: Box, furniture: readonly Box[], x: number, y: number): boolean {
  if (x < room.min[0] + WALL_CLEARANCE || x > room.max[0] - WALL_CLEARANCE) return false;
  if (y < room.min[1] + WALL_CLEARANCE || y > room.max[1] - WALL_CLEARANCE) return false;
  const m = FURNITURE_CLEARANCE;
  for (const f of furniture) {
    if (x > f.min[0] - m && x < f.max[0] + m && y > f.min[1] - m && y < f.max[1] + m) return false;
  }
  return true;
}

/**
 * Enough room to walk: at least half of the wall-clearance rectangle is free and 90% of the
 * free cells (10 cm grid) are one connected region, so a trajectory can tour the room.
 */
function walkable(room: Box, furniture: readonly Box[]): boolean {
  const cell = 0.1;
  const x0 = room.min[0] + WALL_CLEARANCE;
  const y0 = room.min[1] + WALL_CLEARANCE;
  const nx = Math.floor((room.max[0] - WALL_CLEARANCE - x0) / cell);
  const ny = Math.floor((room.max[1] - WALL_CLEARANCE - y0) / cell);
  const free = new Uint8Array(nx * ny);
  let total = 0;
  for (let j = 0; j < ny; j++) {
    for (let i = 0; i < nx; i++) {
      if (isFree(room, furniture, x0 + (i + 0.5) * cell, y0 + (j + 0.5) * cell)) {
        free[j * nx + i] = 1;
        total++;
      }
    }
  }
  if (total < 0.5 * nx * ny) return false;
  const start = free.indexOf(1);
  const seen = new Uint8Array(nx * ny);
  const stack = [start];
  seen[start] = 1;
  let reached = 0;
  while (stack.length > 0) {
    const k = stack.pop() as number;
    reached++;
    const [i, j] = [k % nx, Math.floor(k / nx)];
    for (const [di, dj] of [[1, 0], [-1, 0], [0, 1], [0, -1]]) {
      const [a, b] = [i + di, j + dj];
      const q = b * nx + a;
      if (a >= 0 && a < nx && b >= 0 && b < ny && free[q] && !seen[q]) {
        seen[q] = 1;
        stack.push(q);
      }
    }
  }
  return reached >= 0.9 * total;
}

/** The top-down plan: the room rectangle and furniture footprints in world x, y. */
export function floorPlan(layout: RoomLayout): FloorPlan {
  const { room, furniture } = layout;
  return {
    axes: [0, 1],
    bounds: [room.min[0], room.min[1], room.max[0], room.max[1]],
    boxes: furniture.map((f) => [f.min[0], f.min[1], f.max[0], f.max[1]] as const),
  };
}
