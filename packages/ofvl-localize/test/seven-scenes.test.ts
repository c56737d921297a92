import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GradlocError, rng, writePNG, type RgbImage } from '@gradloc/tensor-backend';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadRgbdScene, Localizer, modelGraph, projectPoint, trainOfvl, rodrigues, sevenScenes, writeDepthPNG, type DepthImage16, type Frame, type Intrinsics } from '../src/index.js';
import { tinyNetwork } from './helpers.js';

const W = 32;
const H = 24;
const root = mkdtempSync(join(tmpdir(), 'ofvl-7scenes-'));
const root12 = mkdtempSync(join(tmpdir(), 'ofvl-12scenes-'));
afterAll(() => {
  rmSync(root, { recursive: true, force: true });
  rmSync(root12, { recursive: true, force: true });
});

/** A 4x4 camera-to-world matrix (row-major, 16 numbers) as the datasets store it. */
type Matrix4 = number[];

const rand = rng(5);

function randomImage(width: number, height: number): RgbImage {
  return { width, height, data: Uint8Array.from({ length: width * height * 3 }, () => Math.floor(rand() * 256)) };
}

/** Millimetre depths in [500, 4000) with a few 0 and 65535 (unknown) pixels. */
function randomDepth(width: number, height: number): DepthImage16 {
  const data = Uint16Array.from({ length: width * height }, () => 500 + Math.floor(rand() * 3500));
  data[3] = 0;
  data[10] = 65535;
  return { width, height, data };
}

/** Cameras roughly as KinectFusion frames them: world y down, small random turns, metres apart. */
function randomMatrix(): Matrix4 {
  const R = rodrigues([(rand() - 0.5) * 0.4, (rand() - 0.5) * 2, (rand() - 0.5) * 0.2]);
  const t = [rand() * 2 - 1, rand() * 0.3 - 0.15, rand() * 2 - 1];
  return [R[0], R[1], R[2], t[0], R[3], R[4], R[5], t[1], R[6], R[7], R[8], t[2], 0, 0, 0, 1];
}

const poseText = (m: Matrix4): string => [0, 1, 2, 3].map((r) => m.slice(4 * r, 4 * r + 4).map((x) => x.toExponential(9)).join('\t')).join('\n') + '\n';

interface Written {
  readonly matrix: Matrix4;
  readonly image: RgbImage;
  readonly depth: DepthImage16;
}

async function writeFrameFiles(stem: string, colorExt: 'png' | 'jpg', size: [number, number], matrix: Matrix4 | string): Promise<Written> {
  const image = randomImage(...size);
  const depth = randomDepth(W, H);
  if (colorExt === 'png') await writePNG(`${stem}.color.png`, image);
  else await sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 3 } }).jpeg({ quality: 95 }).toFile(`${stem}.color.jpg`);
  await writeDepthPNG(`${stem}.depth.png`, depth);
  writeFileSync(`${stem}.pose.txt`, typeof matrix === 'string' ? matrix : poseText(matrix));
  return { matrix: typeof matrix === 'string' ? [] : matrix, image, depth };
}

const seven: Record<string, Written[]> = {};
const twelve: Written[] = [];

beforeAll(async () => {
  // 7-Scenes: chess with seq-01 (train) and seq-02 (test), 3 frames each
  const scene = join(root, 'chess');
  for (const seq of ['seq-01', 'seq-02']) {
    mkdirSync(join(scene, seq), { recursive: true });
    seven[seq] = [];
    for (let i = 0; i < 3; i++) seven[seq].push(await writeFrameFiles(join(scene, seq, `frame-${String(i).padStart(6, '0')}`), 'png', [W, H], randomMatrix()));
  }
  writeFileSync(join(scene, 'TrainSplit.txt'), 'sequence1\n');
  writeFileSync(join(scene, 'TestSplit.txt'), 'sequence2\n');
  // 12-Scenes: apt1/kitchen, colour 64 x 48 (twice the depth), 5 frames, the first 2 test, frame 1 lost (INF pose)
  const kitchen = join(root12, 'apt1', 'kitchen');
  mkdirSync(join(kitchen, 'data'), { recursive: true });
  for (let i = 0; i < 5; i++) {
    const matrix = i === 1 ? '-INF -INF -INF -INF\n-INF -INF -INF -INF\n-INF -INF -INF -INF\n-INF -INF -INF -INF\n' : randomMatrix();
    twelve.push(await writeFrameFiles(join(kitchen, 'data', `frame-${String(i).padStart(6, '0')}`), 'jpg', [2 * W, 2 * H], matrix));
  }
  writeFileSync(join(kitchen, 'split.txt'), 'sequence0 [frames=2]  [start=0 ; end=1]\nsequence1 [frames=3]  [start=2 ; end=4]\n');
  writeFileSync(
    join(kitchen, 'info.txt'),
    ['m_versionNumber = 4', 'm_sensorName = StructureSensor', 'm_colorWidth = 64', 'm_colorHeight = 48', 'm_depthWidth = 32', 'm_depthHeight = 24', 'm_depthShift = 1000',
      'm_calibrationColorIntrinsic = 57.2 0 32 0 0 57.2 24 0 0 0 1 0 0 0 0 1', 'm_calibrationColorExtrinsic = 1 0 0 0 0 1 0 0 0 0 1 0 0 0 0 1'].join('\n'),
  );
});

/**
 * The expected world point of pixel (u, v) computed independently: the homogeneous 4x4 matrix
 * times (K^-1 (u, v, 1) d, 1), in float64.
 */
function expectedPoint(m: Matrix4, K: Intrinsics, u: number, v: number, depthMm: number): number[] | null {
  if (depthMm === 0 || depthMm === 65535) return null;
  const d = depthMm / 1000;
  const p = [((u - K.cx) * d) / K.fx, ((v - K.cy) * d) / K.fy, d, 1];
  return [0, 1, 2].map((r) => m[4 * r] * p[0] + m[4 * r + 1] * p[1] + m[4 * r + 2] * p[2] + m[4 * r + 3] * p[3]);
}

function checkCoords(f: Frame, w: Written): void {
  for (let v = 0; v < H; v++) {
    for (let u = 0; u < W; u++) {
      const i = v * W + u;
      const want = expectedPoint(w.matrix, f.intrinsics, u, v, w.depth.data[i]);
      const got = [f.coords[3 * i], f.coords[3 * i + 1], f.coords[3 * i + 2]];
      if (!want) {
        expect(f.depth[i]).toBe(0);
        expect(got.every(Number.isNaN)).toBe(true);
        continue;
      }
      expect(f.depth[i]).toBeCloseTo(w.depth.data[i] / 1000, 6);
      for (let k = 0; k < 3; k++) expect(Math.abs(got[k] - want[k])).toBeLessThan(1e-5);
      const uv = projectPoint([got[0], got[1], got[2]], f.pose, f.intrinsics);
      expect(uv && Math.abs(uv[0] - u) < 1e-3 && Math.abs(uv[1] - v) < 1e-3).toBe(true);
    }
  }
}

describe('7-Scenes folders', () => {
  it('finds the scene, splits by sequence and reads poses', async () => {
    const [chess, ...rest] = await sevenScenes(root);
    expect(rest).toEqual([]);
    expect(chess.name).toBe('chess');
    expect(chess.layout).toBe('7-scenes');
    expect(chess.count).toEqual({ train: 3, test: 3 });
    for (const [split, seq] of [['train', 'seq-01'], ['test', 'seq-02']] as const) {
      const poses = await chess.poses(split);
      poses.forEach((p, i) => {
        const m = seven[seq][i].matrix;
        expect(p.t.map((x, k) => Math.abs(x - m[4 * k + 3]))).toEqual([expect.closeTo(0, 8), expect.closeTo(0, 8), expect.closeTo(0, 8)]);
        expect(p.R.map((x, k) => Math.abs(x - m[4 * Math.floor(k / 3) + (k % 3)])).every((e) => e < 1e-8)).toBe(true);
      });
      expect((await chess.frame(split, 1)).sequence).toBe(seq);
    }
  });

  it('scales the 640 x 480 intrinsics (f 525, centre (320, 240)) to the image size, pixel centres at integers', async () => {
    const [chess] = await sevenScenes(root);
    const s = W / 640;
    expect(chess.intrinsics).toEqual({ fx: 525 * s, fy: 525 * s, cx: 320.5 * s - 0.5, cy: 240.5 * s - 0.5, width: W, height: H });
  });

  it('gives the stored image, depth in metres (0 where unknown) and back-projected coords', async () => {
    const [chess] = await sevenScenes(root, { scenes: ['chess'] });
    for (const [split, seq] of [['train', 'seq-01'], ['test', 'seq-02']] as const) {
      for (let i = 0; i < 3; i++) {
        const f = await chess.frame(split, i);
        const w = seven[seq][i];
        expect(Buffer.from(f.image.data).equals(Buffer.from(w.image.data))).toBe(true);
        checkCoords(f, w);
      }
    }
  });

  it('uses the caller\'s intrinsics, scaled to the frame size', async () => {
    const K: Intrinsics = { fx: 40, fy: 41, cx: 15, cy: 11, width: W, height: H };
    const chess = await loadRgbdScene(join(root, 'chess'), { intrinsics: K });
    expect(chess.name).toBe('chess');
    expect(chess.intrinsics).toEqual(K);
    checkCoords(await chess.frame('test', 2), seven['seq-02'][2]);
    const half = await loadRgbdScene(join(root, 'chess'), { intrinsics: K, width: W / 2, height: H / 2 });
    expect(half.intrinsics).toEqual({ fx: 20, fy: 20.5, cx: 7.25, cy: 5.25, width: W / 2, height: H / 2 });
    const f = await half.frame('train', 0);
    expect(f.image.data.length).toBe((W / 2) * (H / 2) * 3);
    expect(f.depth.length).toBe((W / 2) * (H / 2));
  });

  it('plans from the trajectories: the up axis (world -y here) left out', async () => {
    const [chess] = await sevenScenes(root);
    expect(chess.plan?.axes).toEqual([0, 2]);
    expect(chess.plan?.boxes).toEqual([]);
  });
});

describe('12-Scenes folders', () => {
  it('splits by split.txt (first N frames test), skips INF poses, reads info.txt and resizes colour to the depth size', async () => {
    const [kitchen] = await sevenScenes(root12);
    expect(kitchen.name).toBe('apt1/kitchen');
    expect(kitchen.layout).toBe('12-scenes');
    expect(kitchen.count).toEqual({ train: 3, test: 1 });
    expect(kitchen.intrinsics).toEqual({ fx: 28.6, fy: 28.6, cx: 32.5 / 2 - 0.5, cy: 24.5 / 2 - 0.5, width: W, height: H });
    const test = await kitchen.frame('test', 0);
    expect(test.image.width).toBe(W);
    checkCoords(test, twelve[0]);
    for (let i = 0; i < 3; i++) checkCoords(await kitchen.frame('train', i), twelve[2 + i]);
    expect((await kitchen.frame('train', 0)).sequence).not.toBe(test.sequence);
  });

  it('trains and localizes under the nested 12-Scenes name (apt1/kitchen) next to a 7-Scenes scene', async () => {
    const scenes = [...(await sevenScenes(root)), ...(await sevenScenes(root12))];
    expect(scenes.map((s) => s.name)).toEqual(['chess', 'apt1/kitchen']);
    const r = await trainOfvl({ scenes, network: tinyNetwork(W, H, [4, 4, 6], 5), steps: 2, batch: 1 });
    const localizer = new Localizer(modelGraph(r, scenes), 'nested');
    expect(localizer.scenes).toEqual(['chess', 'apt1/kitchen']);
    const [p] = await localizer.predict([(await scenes[1].frame('test', 0)).image], 'apt1/kitchen');
    expect(p.coords.length).toBe(3 * (W / 8) * (H / 8));
    expect([...p.coords].every(Number.isFinite)).toBe(true);
    await localizer.release();
  });
});

describe('bad input', () => {
  /** A copy of the chess scene with one file replaced. */
  function brokenCopy(name: string, file: string, content: string): string {
    const dir = join(root, '..', `${name}-${process.pid}`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir);
    const scene = join(dir, 'chess');
    mkdirSync(scene);
    for (const seq of ['seq-01', 'seq-02']) {
      mkdirSync(join(scene, seq));
      for (let i = 0; i < 3; i++) {
        const stem = `frame-${String(i).padStart(6, '0')}`;
        for (const ext of ['color.png', 'depth.png', 'pose.txt']) writeFileSync(join(scene, seq, `${stem}.${ext}`), new Uint8Array(0));
        writeFileSync(join(scene, seq, `${stem}.pose.txt`), poseText(seven[seq][i].matrix));
      }
    }
    writeFileSync(join(scene, 'TrainSplit.txt'), 'sequence1\n');
    writeFileSync(join(scene, 'TestSplit.txt'), 'sequence2\n');
    writeFileSync(join(scene, file), content);
    return dir;
  }

  async function oneLineError(p: Promise<unknown>, code: string, mention: string): Promise<void> {
    const e = await p.then(
      () => null,
      (x: unknown) => x,
    );
    expect(e).toBeInstanceOf(GradlocError);
    const err = e as GradlocError;
    expect(err.code).toBe(code);
    expect(err.message).toContain(mention);
    expect(err.message).not.toContain('\n');
  }

  it('a missing folder is a FILE_NOT_FOUND naming it', async () => {
    await oneLineError(sevenScenes(join(root, 'nope')), 'FILE_NOT_FOUND', join(root, 'nope'));
    await oneLineError(sevenScenes(root, { scenes: ['kitchen'] }), 'FILE_NOT_FOUND', 'kitchen');
  });

  it('a malformed pose file is a BAD_INPUT naming the file', async () => {
    const file = join('seq-01', 'frame-000001.pose.txt');
    const dir = brokenCopy('bad-pose', file, '1 0 0 0\n0 1 0 0\n0 0 1\n');
    await oneLineError(sevenScenes(dir), 'BAD_INPUT', join(dir, 'chess', file));
    writeFileSync(join(dir, 'chess', file), '1 0 0 0\n0 1 0 zero\n0 0 1 0\n0 0 0 1\n');
    await oneLineError(sevenScenes(dir), 'BAD_INPUT', 'zero');
    rmSync(dir, { recursive: true, force: true });
  });

  it('a bad split line, a missing sequence and an image that is not 16-bit depth are errors naming the file', async () => {
    const a = brokenCopy('bad-split', 'TestSplit.txt', 'seq2\n');
    await oneLineError(sevenScenes(a), 'BAD_INPUT', join(a, 'chess', 'TestSplit.txt'));
    rmSync(a, { recursive: true, force: true });
    const b = brokenCopy('bad-seq', 'TestSplit.txt', 'sequence7\n');
    await oneLineError(sevenScenes(b), 'FILE_NOT_FOUND', join(b, 'chess', 'seq-07'));
    rmSync(b, { recursive: true, force: true });
    const c = brokenCopy('bad-depth', join('seq-02', 'frame-000000.depth.png'), '');
    await writePNG(join(c, 'chess', 'seq-02', 'frame-000000.depth.png'), randomImage(W, H));
    await writePNG(join(c, 'chess', 'seq-01', 'frame-000000.depth.png'), randomImage(W, H));
    await oneLineError(sevenScenes(c), 'BAD_INPUT', join(c, 'chess', 'seq-01', 'frame-000000.depth.png'));
    rmSync(c, { recursive: true, force: true });
  });

  it('refuses frame indices out of range', async () => {
    const [chess] = await sevenScenes(root);
    await expect(chess.frame('test', 3)).rejects.toThrow(GradlocError);
  });
});
