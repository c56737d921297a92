/**
 * `gradloc detect` on the shipped shapes-grounder and generated test scenes: every object of
 * a scene is found at its box (IoU >= 0.5) by its phrase, the JSON is grounding.detect's,
 * one box per object (per-query NMS), the PNG outlines the boxes, and bad input fails in one
 * line before any model is opened.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, encodePNG, iou, type Box } from '@gradloc/tensor-backend';
import { generateScene, splitSeed, toRGBA8 } from '@gradloc/models';
import { expectOneLineError, gradloc, listFiles, tempDir } from './helpers.js';

let dir: string;
const scenes = [5, 6, 7].map((i) => generateScene(splitSeed('test', i)));

beforeAll(async () => {
  dir = tempDir();
  for (const [k, scene] of scenes.entries()) {
    const rgba = toRGBA8(scene);
    const rgb = new Uint8Array(scene.width * scene.height * 3);
    for (let i = 0; i < scene.width * scene.height; i++) for (let c = 0; c < 3; c++) rgb[3 * i + c] = rgba[4 * i + c];
    writeFileSync(join(dir, `scene${k}.png`), await encodePNG({ width: scene.width, height: scene.height, data: rgb }));
  }
  // 5000 x 4000 pixels in a few kB: over the 4096 x 4096 limit the dashboard applies too
  writeFileSync(join(dir, 'huge.png'), await sharp({ create: { width: 5000, height: 4000, channels: 3, background: '#808080' } }).png().toBuffer());
});

interface Detected {
  readonly detections: { query: string; box: [number, number, number, number]; score: number }[];
  readonly ms: number;
}

const parse = (stdout: string): Detected => {
  const lines = stdout.split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]) as Detected;
};

describe('gradloc detect', () => {
  it('finds every object of held-out scenes by its phrase, one box each, in the JSON of grounding.detect', () => {
    let found = 0;
    let total = 0;
    for (const [k, scene] of scenes.entries()) {
      // objects of a scene with a unique colour + shape (identical twins would share a query)
      const phrases = scene.objects.map((o) => `a ${o.colour} ${o.shape}`);
      const unique = scene.objects.filter((_, i) => phrases.indexOf(phrases[i]) === phrases.lastIndexOf(phrases[i]));
      const args = ['detect', '--model', 'shapes-grounder', '--image', `scene${k}.png`, '--threads', '2'];
      const r = gradloc([...args, ...unique.flatMap((o) => ['--query', `a ${o.colour} ${o.shape}`])], dir);
      expect(r.code, r.stderr).toBe(0);
      const out = parse(r.stdout);
      expect(Object.keys(out).sort()).toEqual(['detections', 'ms']);
      for (const o of unique) {
        total++;
        const mine = out.detections.filter((d) => d.query === `a ${o.colour} ${o.shape}`);
        // per-query NMS leaves one box per object: no second box of the query over the same object
        expect(mine.filter((d) => iou(d.box as Box, o.box as unknown as Box) >= 0.3).length).toBeLessThanOrEqual(1);
        if (mine.some((d) => iou(d.box as Box, o.box as unknown as Box) >= 0.5)) found++;
        for (const d of mine) expect(d.score).toBeGreaterThanOrEqual(0.15);
      }
    }
    expect(found / total).toBeGreaterThanOrEqual(0.8);
  });

  it('--png outlines the boxes on the picture, which stays the same size', async () => {
    const r = gradloc(['detect', '--model', 'shapes-grounder', '--image', 'scene0.png', '--query', `a ${scenes[0].objects[0].colour} ${scenes[0].objects[0].shape}`, '--png', 'boxes.png'], dir);
    expect(r.code, r.stderr).toBe(0);
    const [d] = parse(r.stdout).detections;
    const drawn = await decodeImage(readFileSync(join(dir, 'boxes.png')));
    const source = await decodeImage(readFileSync(join(dir, 'scene0.png')));
    expect([drawn.width, drawn.height]).toEqual([96, 96]);
    // the box's top-left corner is painted white (the first query's colour)
    const at = (img: typeof drawn, x: number, y: number) => Array.from(img.data.subarray((y * 96 + x) * 3, (y * 96 + x) * 3 + 3));
    const [x0, y0] = [Math.round(d.box[0]), Math.round(d.box[1])];
    expect(at(drawn, x0, y0)).toEqual([255, 255, 255]);
    expect(at(drawn, x0, y0)).not.toEqual(at(source, x0, y0));
  });

  it.each([
    ['no --query', 'BAD_INPUT', /missing required flag --query/, ['--image', 'scene0.png']],
    ['an empty --query', 'BAD_INPUT', /a --query is empty/, ['--image', 'scene0.png', '--query', ' ']],
    ['a word the model does not know', 'BAD_INPUT', /words the model does not know: zebra/, ['--image', 'scene0.png', '--query', 'a zebra']],
    ['a threshold out of range', 'BAD_INPUT', /--threshold must be a number in \[0, 1\]/, ['--image', 'scene0.png', '--query', 'a red circle', '--threshold', '2']],
    ['an image over the pixel limit', 'BAD_INPUT', /5000x4000 = 20000000 pixels; the limit is 16777216 pixels/, ['--image', 'huge.png', '--query', 'a red circle']],
    ['a missing image', 'FILE_NOT_FOUND', /cannot read/, ['--image', 'nope.png', '--query', 'a red circle']],
    ['an unknown model', 'MODEL_NOT_FOUND', /no model 'nope'/, ['--model', 'nope', '--image', 'scene0.png', '--query', 'a red circle']],
  ])('%s -> %s in one line, nothing written', (_, code, pattern, extra) => {
    const args = extra.includes('--model') ? ['detect', ...extra] : ['detect', '--model', 'shapes-grounder', ...extra];
    const before = listFiles(dir);
    const r = gradloc([...args, '--png', 'never.png'], dir);
    expectOneLineError(r, code as string);
    expect(r.stderr).toMatch(pattern as RegExp);
    expect(listFiles(dir)).toEqual(before);
  });
});
