/**
 * `gradloc vps` on the shipped shapes-grounder and a generated test scene: the JSON line, the
 * map's size, the forward-pass count of plain vs lazy greedy, a miss given by --box, and
 * one-line errors that write nothing.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { encodePNG, readNpy } from '@gradloc/tensor-backend';
import { generateScene, splitSeed, toRGBA8 } from '@gradloc/models';
import { expectOneLineError, gradloc, listFiles, tempDir } from './helpers.js';

let dir: string;
let query: string;
let box: readonly number[];

beforeAll(async () => {
  dir = tempDir();
  const scene = generateScene(splitSeed('test', 3));
  const rgba = toRGBA8(scene);
  const rgb = new Uint8Array(scene.width * scene.height * 3);
  for (let i = 0; i < scene.width * scene.height; i++) for (let c = 0; c < 3; c++) rgb[3 * i + c] = rgba[4 * i + c];
  writeFileSync(join(dir, 'scene.png'), await encodePNG({ width: scene.width, height: scene.height, data: rgb }));
  const o = scene.objects[scene.largest];
  query = `a ${o.colour} ${o.shape}`;
  box = o.box;
  // 5000 x 4000 pixels in a few kB: over the 4096 x 4096 limit the dashboard applies too
  writeFileSync(join(dir, 'huge.png'), await sharp({ create: { width: 5000, height: 4000, channels: 3, background: '#808080' } }).png().toBuffer());
});

const json = (stdout: string): Record<string, number> => {
  const lines = stdout.split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]) as Record<string, number>;
};

describe('gradloc vps', () => {
  it('explains the largest object: JSON keys, a map at the image size, fewer forward passes than plain greedy (2 + n(n + 1))', () => {
    const r = gradloc(['vps', '--model', 'shapes-grounder', '--image', 'scene.png', '--query', query, '--regions', '12', '--out', 'map.npy', '--png', 'overlay.png', '--threads', '2'], dir);
    expect(r.code).toBe(0);
    const out = json(r.stdout);
    for (const k of ['insertion_auc', 'deletion_auc', 'forward_passes', 'ms']) expect(out).toHaveProperty(k);
    const n = out.regions;
    expect(out.forward_passes).toBeLessThan(2 + n * (n + 1));
    const greedy = json(gradloc(['vps', '--model', 'shapes-grounder', '--image', 'scene.png', '--query', query, '--regions', '12', '--search', 'greedy', '--out', 'greedy.npy', '--threads', '2'], dir).stdout);
    expect(greedy.forward_passes).toBe(2 + n * (n + 1));
    expect(out.insertion_auc).toBeGreaterThan(out.deletion_auc);
    const map = readNpy(join(dir, 'map.npy'));
    expect(map.dims).toEqual([96, 96]);
    expect(Math.max(...(map.data as Float32Array))).toBeCloseTo(1, 5);
    expect(listFiles(dir)).toContain('overlay.png');
  });

  it('--diverse K writes MAP-1.npy .. MAP-K.npy: distinct sets, best first, greedy alongside', () => {
    const args = ['vps', '--model', 'shapes-grounder', '--image', 'scene.png', '--query', query, '--regions', '16', '--threads', '2'];
    const r = gradloc([...args, '--diverse', '3', '--size', '2', '--budget', '300', '--compare-greedy', '--out', 'd.npy', '--png', 'd.png'], dir);
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout.trim()) as { scores: number[]; maps: string[]; explanations: { regions: number[]; value: number }[]; diversity: number; forward_passes: number; greedy: { value: number; regions: number[]; forward_passes: number } };
    expect(out.maps).toEqual(['d-1.npy', 'd-2.npy', 'd-3.npy']);
    expect(listFiles(dir)).toEqual(expect.arrayContaining(['d-1.npy', 'd-2.npy', 'd-3.npy', 'd-1.png', 'd-2.png', 'd-3.png']));
    expect(listFiles(dir)).not.toContain('d.npy');
    // best first, each a distinct set of 2 regions
    expect([...out.scores].sort((a, b) => b - a)).toEqual(out.scores);
    const keys = out.explanations.map((e) => [...e.regions].sort((a, b) => a - b).join(','));
    expect(new Set(keys).size).toBe(3);
    expect(out.explanations.every((e) => e.regions.length === 2)).toBe(true);
    // the budget bounds training (the last sampling batch may overshoot it by one batch of sets)
    expect(out.forward_passes).toBeLessThan(300 + 2 * 16 * 2);
    expect(out.diversity).toBeGreaterThan(0);
    expect(out.greedy.regions).toHaveLength(2);
    expect(out.greedy.forward_passes).toBe(2 + 2 * 16 + 2 * 15);
    const map = readNpy(join(dir, 'd-1.npy'));
    expect(map.dims).toEqual([96, 96]);
    const values = new Set(Array.from(map.data as Float32Array, (v) => v.toFixed(4)));
    // two regions with non-zero values, the rest 0
    expect(values.has('0.0000')).toBe(true);
    expect(values.size).toBeLessThanOrEqual(3);
  });

  it('--diverse refuses its flags without it, and --lazy with it', () => {
    const args = ['vps', '--model', 'shapes-grounder', '--image', 'scene.png', '--query', query, '--out', 'e.npy'];
    expectOneLineError(gradloc([...args, '--budget', '100'], dir), 'BAD_INPUT');
    expectOneLineError(gradloc([...args, '--diverse', '2', '--lazy'], dir), 'BAD_INPUT');
    expectOneLineError(gradloc([...args, '--diverse', '2', '--search', 'coarse-to-fine'], dir), 'BAD_INPUT');
    expectOneLineError(gradloc([...args, '--diverse', '0'], dir), 'BAD_INPUT');
    expect(listFiles(dir).filter((f) => f.startsWith('e'))).toEqual([]);
  });

  it('--lazy and --search coarse-to-fine need fewer forward passes than --search greedy', () => {
    // 2 images per model run: lazy greedy re-evaluates one candidate at a time (with the default
    // 32, a dozen regions' candidates all fit in its first batch)
    const args = ['vps', '--model', 'shapes-grounder', '--image', 'scene.png', '--query', query, '--regions', '12', '--batch-size', '2', '--threads', '2'];
    const plain = json(gradloc([...args, '--search', 'greedy', '--out', 'a.npy'], dir).stdout);
    const lazy = json(gradloc([...args, '--lazy', '--out', 'b.npy'], dir).stdout);
    expect(lazy.forward_passes).toBeLessThan(plain.forward_passes);
    // about 12 regions in groups of 2: far below plain greedy's 2 + n(n + 1), even with the
    // passes deferred members add
    const coarse = json(gradloc([...args, '--search', 'coarse-to-fine', '--group-size', '2', '--out', 'c.npy'], dir).stdout);
    expect(coarse.forward_passes).toBeLessThan(plain.forward_passes * 0.75);
    expectOneLineError(gradloc([...args, '--search', 'greedy', '--lazy', '--out', 'd.npy'], dir), 'BAD_INPUT');
    expectOneLineError(gradloc([...args, '--search', 'beam', '--out', 'd.npy'], dir), 'BAD_INPUT');
  });

  it('a query the scene does not hold, at the object box, is explained as a miss', () => {
    const colour = query.includes('white') ? 'red' : 'white';
    const wrong = `a ${colour} ${query.split(' ')[2]}`;
    const r = gradloc(['vps', '--model', 'shapes-grounder', '--image', 'scene.png', '--query', wrong, '--box', box.join(','), '--regions', '8', '--out', 'miss.npy', '--threads', '2'], dir);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/does not detect it, explaining a miss/);
    expect(json(r.stdout).box).toEqual(box.map((v) => Math.round(v)));
  });

  it.each([
    ['a word the model does not know', 'BAD_INPUT', ['--query', 'a purple dragon']],
    ['a box outside the image', 'BAD_INPUT', ['--query', 'a red circle', '--box', '0,0,200,10']],
    ['a box that is not 4 numbers', 'BAD_INPUT', ['--query', 'a red circle', '--box', '1,2,3']],
    ['an unknown model', 'MODEL_NOT_FOUND', ['--query', 'a red circle', '--model', 'no-such-model']],
    ['a missing image', 'FILE_NOT_FOUND', ['--query', 'a red circle', '--image', 'nope.png']],
    ['an image over the dashboard\'s pixel limit', 'BAD_INPUT', ['--query', 'a red circle', '--image', 'huge.png']],
  ])('%s -> %s in one line, nothing written', (_what, code, args) => {
    const out = tempDir();
    const base = ['--model', 'shapes-grounder', '--image', join(dir, 'scene.png'), '--regions', '4', '--out', join(out, 'm.npy')];
    const merged = [...base];
    for (let i = 0; i < args.length; i += 2) {
      const at = merged.indexOf(args[i]);
      if (at >= 0) merged[at + 1] = args[i + 1];
      else merged.push(args[i], args[i + 1]);
    }
    const r = gradloc(['vps', ...merged], dir);
    expectOneLineError(r, code);
    if (args.includes('huge.png')) expect(r.stderr).toMatch(/5000x4000 = 20000000 pixels; the limit is 16777216 pixels/);
    expect(listFiles(out)).toEqual([]);
  });
});
