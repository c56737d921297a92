import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GradlocError, readImage } from '@gradloc/tensor-backend';
import { afterAll, describe, expect, it } from 'vitest';
import {
  FURNITURE_CLEARANCE,
  HEIGHT_RANGE,
  lookAt,
  matVec3,
  projectPoint,
  syntheticIntrinsics,
  syntheticRooms,
  transpose3,
  WALL_CLEARANCE,
  writeFrames,
  type Frame,
  type SyntheticSceneSource,
  type WrittenPoses,
} from '../src/index.js';

const small = { seed: 11, rooms: 4, train: 40, test: 20, sequenceLength: 20 } as const;
const rooms = syntheticRooms(small);

/** Camera-frame coordinates of world point (x, y, z) under the frame's pose. */
function toCamera(f: Frame, x: number, y: number, z: number): [number, number, number] {
  return matVec3(transpose3(f.pose.R), [x - f.pose.t[0], y - f.pose.t[1], z - f.pose.t[2]]);
}

/** Whether world point p lies on one of the room's planes or one of its furniture faces. */
function onSomeSurface(room: SyntheticSceneSource, p: readonly number[], eps: number): boolean {
  const boxes = [room.layout.room, ...room.layout.furniture];
  return boxes.some((b) => {
    const inside = [0, 1, 2].every((a) => p[a] >= b.min[a] - eps && p[a] <= b.max[a] + eps);
    const onPlane = [0, 1, 2].some((a) => Math.abs(p[a] - b.min[a]) < eps || Math.abs(p[a] - b.max[a]) < eps);
    return inside && onPlane;
  });
}

describe('lookAt', () => {
  it('gives OpenCV axes: x right, y down (away from up), z forward', () => {
    // looking along +x with z up: right is -y, down is -z
    const R = lookAt([0, 0, 0], [2, 0, 0], [0, 0, 1]);
    const col = (j: number): number[] => [R[j], R[3 + j], R[6 + j]];
    expect(col(0)).toEqual([expect.closeTo(0), expect.closeTo(-1), expect.closeTo(0)]);
    expect(col(1)).toEqual([expect.closeTo(0), expect.closeTo(0), expect.closeTo(-1)]);
    expect(col(2)).toEqual([expect.closeTo(1), expect.closeTo(0), expect.closeTo(0)]);
  });
});

describe('synthetic rooms: layout', () => {
  it('names room-1..room-N, differs in size, 3-6 furniture items on the floor inside the room', () => {
    expect(rooms.map((r) => r.name)).toEqual(['room-1', 'room-2', 'room-3', 'room-4']);
    const areas = rooms.map((r) => (r.layout.room.max[0] - r.layout.room.min[0]) * (r.layout.room.max[1] - r.layout.room.min[1]));
    expect(new Set(areas).size).toBe(4);
    for (const r of rooms) {
      const { room, furniture } = r.layout;
      expect(room.min[2]).toBe(0);
      expect(furniture.length).toBeGreaterThanOrEqual(3);
      expect(furniture.length).toBeLessThanOrEqual(6);
      for (const f of furniture) {
        expect(f.min[2]).toBe(0);
        for (let a = 0; a < 3; a++) {
          expect(f.min[a]).toBeGreaterThanOrEqual(room.min[a]);
          expect(f.max[a]).toBeLessThanOrEqual(room.max[a]);
        }
      }
      expect(r.plan?.axes).toEqual([0, 1]);
      expect(r.plan?.bounds).toEqual([room.min[0], room.min[1], room.max[0], room.max[1]]);
      expect(r.plan?.boxes).toEqual(furniture.map((f) => [f.min[0], f.min[1], f.max[0], f.max[1]]));
    }
  });

  it('uses the default camera: 160 x 120, fx = fy = 130, centre (79.5, 59.5)', () => {
    expect(rooms[0].intrinsics).toEqual({ fx: 130, fy: 130, cx: 79.5, cy: 59.5, width: 160, height: 120 });
    expect(syntheticIntrinsics(320, 240)).toEqual({ fx: 260, fy: 260, cx: 159.5, cy: 119.5, width: 320, height: 240 });
  });
});

describe('synthetic rooms: trajectories', () => {
  // the default counts (400 train, 100 test per room): poses are cheap, no rendering
  const full = syntheticRooms({ seed: 3 });

  it('keeps every camera inside the room, clear of the walls and out of the furniture', async () => {
    for (const r of full) {
      const { room, furniture } = r.layout;
      for (const split of ['train', 'test'] as const) {
        const poses = await r.poses(split);
        expect(poses.length).toBe(r.count[split]);
        for (const { t } of poses) {
          expect(t[0]).toBeGreaterThanOrEqual(room.min[0] + WALL_CLEARANCE - 1e-9);
          expect(t[0]).toBeLessThanOrEqual(room.max[0] - WALL_CLEARANCE + 1e-9);
          expect(t[1]).toBeGreaterThanOrEqual(room.min[1] + WALL_CLEARANCE - 1e-9);
          expect(t[1]).toBeLessThanOrEqual(room.max[1] - WALL_CLEARANCE + 1e-9);
          expect(t[2]).toBeGreaterThan(HEIGHT_RANGE[0] - 0.1);
          expect(t[2]).toBeLessThan(HEIGHT_RANGE[1] + 0.1);
          for (const f of furniture) {
            const m = FURNITURE_CLEARANCE - 1e-9;
            const inside = t[0] > f.min[0] - m && t[0] < f.max[0] + m && t[1] > f.min[1] - m && t[1] < f.max[1] + m;
            expect(inside).toBe(false);
          }
        }
      }
    }
  });

  it('looks mostly horizontally: small roll, pitch within about 20 degrees', async () => {
    for (const r of full) {
      for (const { R } of await r.poses('train')) {
        // optical axis (third column) against the horizontal plane; camera x axis against it (roll)
        const pitch = (Math.asin(R[8]) * 180) / Math.PI;
        const roll = (Math.asin(R[6]) * 180) / Math.PI;
        expect(Math.abs(pitch)).toBeLessThan(20);
        expect(Math.abs(roll)).toBeLessThan(8);
      }
    }
  });

  it('moves smoothly: consecutive frames of a sequence are close', async () => {
    const r = full[3];
    const poses = await r.poses('train');
    for (let i = 1; i < poses.length; i++) {
      if (r.sequenceOf('train', i) !== r.sequenceOf('train', i - 1)) continue;
      const step = Math.hypot(poses[i].t[0] - poses[i - 1].t[0], poses[i].t[1] - poses[i - 1].t[1], poses[i].t[2] - poses[i - 1].t[2]);
      expect(step).toBeLessThan(0.5);
    }
  });

  it('draws train and test from different sequences, with no pose in common', async () => {
    for (const r of rooms) {
      const train = await r.poses('train');
      const test = await r.poses('test');
      const seqs = async (split: 'train' | 'test', n: number): Promise<Set<string | undefined>> =>
        new Set(await Promise.all(Array.from({ length: n }, async (_, i) => (await r.frame(split, i)).sequence)));
      const trainSeqs = await seqs('train', r.count.train);
      const testSeqs = await seqs('test', r.count.test);
      expect(trainSeqs.size).toBe(2);
      expect(testSeqs.size).toBe(1);
      for (const s of testSeqs) expect(trainSeqs.has(s)).toBe(false);
      for (const p of test) {
        for (const q of train) {
          const same = p.t.every((x, k) => x === q.t[k]) && p.R.every((x, k) => x === q.R[k]);
          expect(same).toBe(false);
        }
      }
    }
  });
});

describe('synthetic rooms: frames', () => {
  it('is deterministic: same seed, room, split and index give byte-identical frames', async () => {
    const again = syntheticRooms(small);
    for (const [split, index] of [['test', 3], ['train', 17]] as const) {
      const a = await rooms[2].frame(split, index);
      const b = await again[2].frame(split, index);
      expect(Buffer.from(a.image.data).equals(Buffer.from(b.image.data))).toBe(true);
      expect(Buffer.from(a.depth.buffer).equals(Buffer.from(b.depth.buffer))).toBe(true);
      expect(Buffer.from(a.coords.buffer).equals(Buffer.from(b.coords.buffer))).toBe(true);
      expect(a.pose).toEqual(b.pose);
    }
    const other = await syntheticRooms({ ...small, seed: 12 })[2].frame('test', 3);
    expect(Buffer.from(other.image.data).equals(Buffer.from((await rooms[2].frame('test', 3)).image.data))).toBe(false);
  });

  it('has shapes of the contract, positive depth everywhere and no NaN coords (every ray hits)', async () => {
    const f = await rooms[1].frame('train', 5);
    const { width, height } = f.intrinsics;
    expect([f.scene, f.split, f.index]).toEqual(['room-2', 'train', 5]);
    expect(f.image.data.length).toBe(width * height * 3);
    expect(f.depth.length).toBe(width * height);
    expect(f.coords.length).toBe(width * height * 3);
    for (const d of f.depth) expect(d).toBeGreaterThan(0);
    for (const c of f.coords) expect(Number.isFinite(c)).toBe(true);
  });

  it('agrees with projectPoint: every pixel\'s coords project back onto the pixel (1e-3 px), depth is camera z', async () => {
    for (const r of rooms) {
      const f = await r.frame('test', 7);
      const { width, height } = f.intrinsics;
      let worst = 0;
      let worstDepth = 0;
      for (let v = 0; v < height; v++) {
        for (let u = 0; u < width; u++) {
          const i = v * width + u;
          const X = [f.coords[3 * i], f.coords[3 * i + 1], f.coords[3 * i + 2]] as const;
          const uv = projectPoint(X, f.pose, f.intrinsics);
          expect(uv).not.toBeNull();
          if (!uv) continue;
          worst = Math.max(worst, Math.abs(uv[0] - u), Math.abs(uv[1] - v));
          worstDepth = Math.max(worstDepth, Math.abs(toCamera(f, ...X)[2] - f.depth[i]));
        }
      }
      expect(worst).toBeLessThan(1e-3);
      expect(worstDepth).toBeLessThan(1e-4);
    }
  });

  it('puts every coordinate on a wall, the floor, the ceiling or a furniture face', async () => {
    const r = rooms[3];
    const f = await r.frame('train', 11);
    for (let i = 0; i < f.depth.length; i += 7) {
      expect(onSomeSurface(r, [f.coords[3 * i], f.coords[3 * i + 1], f.coords[3 * i + 2]], 1e-4)).toBe(true);
    }
  });

  it('sees texture in most of every frame (8x8 blocks with visible contrast)', async () => {
    for (const r of rooms) {
      for (const index of [0, 9, 19]) {
        const f = await r.frame('test', index);
        const { width, height, data } = f.image;
        let blocks = 0;
        let textured = 0;
        for (let by = 0; by + 8 <= height; by += 8) {
          for (let bx = 0; bx + 8 <= width; bx += 8) {
            let s = 0;
            let s2 = 0;
            for (let y = by; y < by + 8; y++) {
              for (let x = bx; x < bx + 8; x++) {
                const k = (y * width + x) * 3;
                const lum = 0.299 * data[k] + 0.587 * data[k + 1] + 0.114 * data[k + 2];
                s += lum;
                s2 += lum * lum;
              }
            }
            const std = Math.sqrt(Math.max(0, s2 / 64 - (s / 64) ** 2));
            blocks++;
            if (std > 2) textured++;
          }
        }
        expect(textured / blocks).toBeGreaterThan(0.85);
        // and not one colour: the view spans the room's surfaces
        expect(new Set(Array.from(f.depth, (d) => Math.round(d * 10))).size).toBeGreaterThan(5);
      }
    }
  });

  it('renders other sizes with the same field of view', async () => {
    const [r] = syntheticRooms({ ...small, rooms: 1, width: 64, height: 48 });
    const f = await r.frame('test', 0);
    expect(f.intrinsics).toEqual({ fx: 52, fy: 52, cx: 31.5, cy: 23.5, width: 64, height: 48 });
    expect(f.image.data.length).toBe(64 * 48 * 3);
    // the trajectories depend on the field of view, not on the pixel count
    expect(await r.poses('train')).toEqual(await rooms[0].poses('train'));
  });

  it('refuses frames that do not exist with a GradlocError', async () => {
    await expect(rooms[0].frame('test', 20)).rejects.toThrow(GradlocError);
    await expect(rooms[0].frame('test', -1)).rejects.toThrow(/no frame -1/);
    expect(() => syntheticRooms({ rooms: 0 })).toThrow(GradlocError);
  });
});

describe('writeFrames', () => {
  const dir = mkdtempSync(join(tmpdir(), 'ofvl-frames-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('writes <scene>-<split>-<index>.png and a poses JSON that match the frames', async () => {
    const posesPath = await writeFrames(rooms[0], 'test', dir, { count: 3 });
    const doc = JSON.parse(readFileSync(posesPath, 'utf8')) as WrittenPoses;
    expect(doc.scene).toBe('room-1');
    expect(doc.frames.map((f) => f.file)).toEqual(['room-1-test-0000.png', 'room-1-test-0001.png', 'room-1-test-0002.png']);
    for (const entry of doc.frames) {
      const frame = await rooms[0].frame('test', entry.index);
      const png = await readImage(join(dir, entry.file));
      expect(Buffer.from(png.data).equals(Buffer.from(frame.image.data))).toBe(true);
      expect(entry.R).toEqual([...frame.pose.R]);
      expect(entry.t).toEqual([...frame.pose.t]);
    }
    await expect(writeFrames(rooms[0], 'test', dir, { count: 50 })).rejects.toThrow(GradlocError);
  });
});
