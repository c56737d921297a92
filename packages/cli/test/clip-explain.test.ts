/**
 * `gradloc clip-explain` on the shipped shapes-clip and shapes-grounder with generated test
 * scenes: the JSON line's similarity is the model's own cosine (computed here from its
 * embeddings) or the best box logit, the map is float32 at the picture's size in [0, 1], the
 * AUCs are mean scores, the token file names the caption's words, and bad input fails in one
 * line with nothing written.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, encodePNG, OnnxModel, readNpy, resizeRGB, tensor, type RgbImage } from '@gradloc/tensor-backend';
import { generateScene, splitSeed, toRGBA8, tokenizePhrases } from '@gradloc/models';
import { expectOneLineError, gradloc, listFiles, tempDir } from './helpers.js';

const MODELS = join(import.meta.dirname, '..', '..', '..', 'models');
let dir: string;
const scene = generateScene(splitSeed('test', 3));
let picture: RgbImage;
const clip = OnnxModel.load(join(MODELS, 'shapes-clip', 'model.onnx'), { threads: 1 });
const grounder = OnnxModel.load(join(MODELS, 'shapes-grounder', 'model.onnx'), { threads: 1 });
afterAll(async () => {
  await clip.release();
  await grounder.release();
});

beforeAll(async () => {
  dir = tempDir();
  const rgba = toRGBA8(scene);
  const rgb = new Uint8Array(scene.width * scene.height * 3);
  for (let i = 0; i < scene.width * scene.height; i++) for (let c = 0; c < 3; c++) rgb[3 * i + c] = rgba[4 * i + c];
  picture = { width: scene.width, height: scene.height, data: rgb };
  writeFileSync(join(dir, 'scene.png'), await encodePNG(picture));
  writeFileSync(join(dir, 'wide.png'), await encodePNG(resizeRGB(picture, 150, 100)));
});

/** The picture as the models' pixels: [1, 3, 96, 96] in [0, 1]. */
const pixelsOf = (p: RgbImage) => tensor('float32', [1, 3, p.height, p.width], Float32Array.from({ length: 3 * p.width * p.height }, (_, k) => p.data[3 * (k % (p.width * p.height)) + Math.floor(k / (p.width * p.height))] / 255));

interface Line {
  similarity: number;
  insertion_auc: number;
  deletion_auc: number;
  ms: number;
  method: string;
  score: string;
  warnings: string[];
}
const parse = (stdout: string): Line => {
  const lines = stdout.split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]) as Line;
};

const phrase = `a ${scene.objects[scene.largest].colour} ${scene.objects[scene.largest].shape}`;

describe('gradloc clip-explain', () => {
  it('prints the model\'s own cosine and writes the map, overlay and token weights (shapes-clip, every method)', async () => {
    const out = await clip.run({ pixel_values: pixelsOf(picture), input_ids: tokenizePhrases([phrase], 16).ids }, ['image_embeds', 'text_embeds']);
    const a = out.image_embeds.data as Float32Array;
    const b = out.text_embeds.data as Float32Array;
    const dot = a.reduce((s, v, i) => s + v * b[i], 0);
    const cosine = dot / Math.sqrt(a.reduce((s, v) => s + v * v, 0) * b.reduce((s, v) => s + v * v, 0));
    for (const method of ['gradeclip', 'mmel', 'gradcam', 'attention', 'rollout']) {
      const files = [`${method}.npy`, `${method}.png`, `${method}.json`];
      const r = gradloc(['clip-explain', '--model', 'shapes-clip', '--image', 'scene.png', '--text', phrase, '--method', method, '--out', files[0], '--png', files[1], '--text-out', files[2], '--threads', '1'], dir);
      expect(r.code, r.stderr).toBe(0);
      const line = parse(r.stdout);
      expect(line.method).toBe(method);
      expect(line.similarity).toBeCloseTo(cosine, 5);
      // AUCs are mean scores over [0, 0.5] of the pixels: cosines, so within [-1, 1]
      for (const v of [line.insertion_auc, line.deletion_auc]) expect(Math.abs(v)).toBeLessThanOrEqual(1);
      expect(line.ms).toBeGreaterThan(0);
      const map = readNpy(join(dir, files[0]));
      expect(map.dtype).toBe('float32');
      expect(map.dims).toEqual([scene.height, scene.width]);
      const values = Array.from(map.data as Float32Array);
      expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...values)).toBeCloseTo(1, 5);
      const png = await decodeImage(readFileSync(join(dir, files[1])), 'png');
      expect([png.width, png.height]).toEqual([scene.width, scene.height]);
      const tokens = JSON.parse(readFileSync(join(dir, files[2]), 'utf8')) as { tokens: { position: number; token: string; weight: number }[] };
      if (method === 'gradeclip' || method === 'mmel') {
        expect(tokens.tokens.map((t) => t.token)).toEqual(phrase.split(' '));
        const total = tokens.tokens.reduce((s, t) => s + t.weight, 0);
        expect(total === 0 || Math.abs(total - 1) < 1e-9).toBe(true);
      } else expect(tokens.tokens).toEqual([]);
    }
  });

  it('mmel with word alignment: the same cosine, a map in [0, 1]', () => {
    const r = gradloc(['clip-explain', '--model', 'shapes-clip', '--image', 'scene.png', '--text', phrase, '--method', 'mmel', '--align', 'words', '--out', 'words.npy', '--threads', '1'], dir);
    expect(r.code, r.stderr).toBe(0);
    const caption = gradloc(['clip-explain', '--model', 'shapes-clip', '--image', 'scene.png', '--text', phrase, '--method', 'mmel', '--out', 'caption.npy', '--threads', '1'], dir);
    expect(parse(r.stdout).similarity).toBeCloseTo(parse(caption.stdout).similarity, 6);
    expect(Math.max(...(readNpy(join(dir, 'words.npy')).data as Float32Array))).toBeCloseTo(1, 5);
  });

  it('gives the map at the picture\'s size when the model resizes it', () => {
    const r = gradloc(['clip-explain', '--model', 'shapes-clip', '--image', 'wide.png', '--text', phrase, '--out', 'wide.npy', '--threads', '1'], dir);
    expect(r.code, r.stderr).toBe(0);
    expect(readNpy(join(dir, 'wide.npy')).dims).toEqual([100, 150]);
  });

  it('explains a grounder\'s best box logit for the query', async () => {
    const out = await grounder.run({ pixel_values: pixelsOf(picture), input_ids: tokenizePhrases([phrase], 8).ids }, ['logits']);
    const best = Math.max(...Array.from(out.logits.data as Float32Array));
    const r = gradloc(['clip-explain', '--model', 'shapes-grounder', '--image', 'scene.png', '--text', phrase, '--out', 'g.npy', '--threads', '1'], dir);
    expect(r.code, r.stderr).toBe(0);
    const line = parse(r.stdout);
    expect(line.similarity).toBeCloseTo(best, 4);
    expect(line.score).toMatch(/^logit of box \d+ for query 0$/);
  });

  it('refuses unknown words, empty text, unknown methods and non vision-language models in one line, writing nothing', () => {
    const bad = tempDir();
    writeFileSync(join(bad, 'scene.png'), readFileSync(join(dir, 'scene.png')));
    const base = ['clip-explain', '--image', 'scene.png', '--out', 'm.npy', '--png', 'm.png'];
    const cases: [string[], string, RegExp][] = [
      [[...base, '--model', 'shapes-clip', '--text', 'a red unicorn'], 'BAD_INPUT', /unicorn/],
      [[...base, '--model', 'shapes-clip', '--text', '   '], 'BAD_INPUT', /empty/],
      [[...base, '--model', 'shapes-clip', '--text', 'a red ring', '--method', 'lime'], 'BAD_INPUT', /--method/],
      [[...base, '--model', 'shapes-resnet', '--text', 'a red ring'], 'BAD_MODEL', /vocabulary|vision-language/],
      [[...base, '--model', 'shapes-clip', '--text', 'a red ring', '--align', 'words'], 'BAD_INPUT', /--align applies to --method mmel/],
      [['clip-explain', '--image', 'missing.png', '--out', 'm.npy', '--model', 'shapes-clip', '--text', 'a red ring'], 'FILE_NOT_FOUND', /missing\.png/],
    ];
    for (const [args, code, message] of cases) {
      const r = gradloc(args, bad);
      expectOneLineError(r, code);
      expect(r.stderr).toMatch(message);
    }
    expect(listFiles(bad)).toEqual(['scene.png']);
    expect(existsSync(join(bad, 'm.npy'))).toBe(false);
  });
});

describe('gradloc clip-explain on Hugging Face-style export folders', () => {
  it('reads the folder\'s tokenizer and preprocessing: the same score and map as the zoo model', async () => {
    const { writeHfGrounderFolder } = await import('../../models/test/helpers/hf-folder.js');
    const id = { mean: [0, 0, 0], std: [1, 1, 1] }; // the zoo graphs standardise pixels themselves
    for (const [name, hf] of [['shapes-clip', 'hf-clip'], ['shapes-grounder', 'hf-owlvit']] as const) {
      writeHfGrounderFolder(join(dir, hf), id, name);
      const zoo = gradloc(['clip-explain', '--model', name, '--image', 'scene.png', '--text', phrase, '--out', `${hf}-zoo.npy`, '--threads', '1'], dir);
      const folder = gradloc(['clip-explain', '--model', hf, '--image', 'scene.png', '--text', phrase, '--out', `${hf}.npy`, '--threads', '1'], dir);
      expect(folder.code, folder.stderr).toBe(0);
      expect(parse(folder.stdout).similarity).toBeCloseTo(parse(zoo.stdout).similarity, 5);
      expect(Array.from(readNpy(join(dir, `${hf}.npy`)).data as Float32Array)).toEqual(Array.from(readNpy(join(dir, `${hf}-zoo.npy`)).data as Float32Array).map((v) => expect.closeTo(v, 5)));
    }
  });
});
