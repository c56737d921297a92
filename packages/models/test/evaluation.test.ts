/**
 * Held-out evaluation on models whose answers are known: a perfect grounder scores AP50 = 1
 * and a misplaced one 0; a dual encoder that embeds each caption's words retrieves every
 * caption; a classifier that always answers class k is right exactly on the scenes whose
 * largest object is SHAPES[k] (counted here scene by scene); a uniform language model has
 * perplexity = vocabulary size. evaluateModel is run on model folders (the dispatch by the
 * card's kind); the grounder and dual encoder through their evaluation functions.
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { float32, GradlocError, rng, type Tensor } from '@gradloc/tensor-backend';
import {
  detokenize,
  evaluateGrounder,
  evaluateModel,
  evaluateRetrieval,
  generateScene,
  generateSplitBatch,
  phraseWords,
  queryIndex,
  readCard,
  SHAPES,
  splitSeed,
  writeCard,
  type GrounderForward,
  type RunForward,
} from '../src/index.js';
import { writeConstantClassifier, writeUniformLm } from './helpers/tiny-models.js';

const tmp = mkdtempSync(join(tmpdir(), 'models-eval-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const PATCHES = 144;

/** Scenes 0.. of the test split in the order the evaluation asks for them, checked against the pixels it passes. */
function sceneStream(): (pixels: Tensor) => ReturnType<typeof generateSplitBatch>['scenes'] {
  let next = 0;
  return (pixels) => {
    const n = pixels.dims[0];
    const batch = generateSplitBatch('test', next, n);
    expect(Array.from(batch.images.data.subarray(0, 64))).toEqual(Array.from(pixels.data.subarray(0, 64)));
    next += n;
    return batch.scenes;
  };
}

/**
 * A grounder that, for object k of each scene, puts score sigmoid(10) for the object's
 * colour-shape query at patch k with the object's box moved right by `shift` image widths;
 * every other (patch, query) scores sigmoid(-10).
 */
function oracleGrounder(shift: number): GrounderForward {
  const scenesOf = sceneStream();
  return async (pixels, ids) => {
    const scenes = scenesOf(pixels);
    const [n, Q] = [pixels.dims[0], ids.dims[0]];
    const logits = new Float32Array(n * PATCHES * Q).fill(-10);
    const boxes = new Float32Array(n * PATCHES * 4);
    scenes.forEach((s, b) =>
      s.objects.forEach((o, k) => {
        const [x0, y0, x1, y1] = o.box;
        logits[(b * PATCHES + k) * Q + queryIndex(o.colour, o.shape)] = 10;
        boxes.set([(x0 + x1) / 2 / s.width + shift, (y0 + y1) / 2 / s.height, (x1 - x0) / s.width, (y1 - y0) / s.height], (b * PATCHES + k) * 4);
      }),
    );
    return { logits: float32([n, PATCHES, Q], logits), boxes: float32([n, PATCHES, 4], boxes) };
  };
}

describe('grounder evaluation', () => {
  it('a perfect detector has AP50 1, and absent queries score what it gives them', async () => {
    const s = await evaluateGrounder(oracleGrounder(0), { split: 'test', samples: 60, maxLen: 8 });
    expect(s.ap50).toBe(1);
    expect(s.absentMean).toBeCloseTo(sigmoid(-10), 12);
    expect(s.absentMax).toBeCloseTo(sigmoid(-10), 12);
    expect(s.presentMean).toBeCloseTo(sigmoid(10), 6);
  });

  it('the same scores with every box half an image away have AP50 0', async () => {
    const s = await evaluateGrounder(oracleGrounder(0.5), { split: 'test', samples: 20, maxLen: 8 });
    expect(s.ap50).toBe(0);
  });
});

describe('dual encoder evaluation', () => {
  /** A unit vector per text, the same for equal texts, nearly orthogonal for different ones. */
  const DIM = 48;
  function embed(key: string): Float32Array {
    let h = 2166136261;
    for (const c of key) h = Math.imul(h ^ c.charCodeAt(0), 16777619) >>> 0;
    const r = rng(h);
    const v = Float32Array.from({ length: DIM }, () => r() - 0.5);
    const norm = Math.hypot(...v);
    return v.map((x) => x / norm);
  }

  /** Images embed their own canonical caption's words, or (scrambled) the next scene's. */
  function oracle(scrambled: boolean): RunForward {
    const scenesOf = sceneStream();
    return async (feeds) => {
      const scenes = scenesOf(feeds.pixel_values);
      const n = scenes.length;
      const [rows, L] = feeds.input_ids.dims;
      const ids = feeds.input_ids.data as BigInt64Array;
      const images = new Float32Array(n * DIM);
      scenes.forEach((_, i) => images.set(embed(phraseWords(scenes[scrambled ? (i + 1) % n : i].captions[0]).join(' ')), i * DIM));
      const texts = new Float32Array(rows * DIM);
      for (let j = 0; j < rows; j++) texts.set(embed(detokenize(ids.subarray(j * L, (j + 1) * L))), j * DIM);
      return { image_embeds: float32([n, DIM], images), text_embeds: float32([rows, DIM], texts) };
    };
  }

  it('embeddings that name the caption retrieve every image and every caption', async () => {
    expect(await evaluateRetrieval(oracle(false), { split: 'test', samples: 120, maxLen: 16, embed: DIM })).toEqual({ top1: 1, text_top1: 1 });
  });

  it("images embedded as their neighbour's caption are mostly wrong", async () => {
    const m = await evaluateRetrieval(oracle(true), { split: 'test', samples: 120, maxLen: 16, embed: DIM });
    expect(m.top1).toBeLessThan(0.2);
  });
});

describe('evaluateModel', () => {
  it("a classifier that always answers SHAPES[k]: the share of test scenes whose largest object is one, over the card's count or --samples", async () => {
    const dir = join(tmp, 'constant');
    const k = 2;
    writeConstantClassifier(dir, k, 60);
    const hits = (n: number): number => Array.from({ length: n }, (_, i) => generateScene(splitSeed('test', i))).filter((s) => s.objects[s.largest].shape === SHAPES[k]).length;
    expect(hits(60)).toBeGreaterThan(0); // so that the number below is not a trivial 0
    expect(await evaluateModel(dir)).toEqual({ accuracy: hits(60) / 60 });
    expect(await evaluateModel(join(dir, 'model.onnx'), { samples: 130 })).toEqual({ accuracy: hits(130) / 130 });
  });

  it('a uniform language model has perplexity = the vocabulary size on both splits', async () => {
    const dir = join(tmp, 'uniform');
    writeUniformLm(dir, 10_000, 64);
    const m = await evaluateModel(dir);
    expect(Object.keys(m).sort()).toEqual(['ppl', 'ppl_validation']);
    expect(m.ppl).toBeCloseTo(10_000, 2);
    expect(m.ppl_validation).toBeCloseTo(10_000, 2);
  });

  it('a language model over another vocabulary is refused', async () => {
    const dir = join(tmp, 'small-vocab');
    writeUniformLm(dir, 500, 16);
    await expect(evaluateModel(dir)).rejects.toThrow(/vocabulary has 500 entries/);
  });

  it('a card of no known kind, and a folder without a card, have no evaluation', async () => {
    const dir = join(tmp, 'no-kind');
    writeConstantClassifier(dir, 0, 10);
    writeCard(dir, { ...readCard(dir), labels: undefined });
    const noKind = await evaluateModel(dir).catch((e: unknown) => e);
    expect(noKind).toBeInstanceOf(GradlocError);
    expect((noKind as GradlocError).message).toMatch(/describes no grounder, classifier, language model or dual encoder/);
    const bare = join(tmp, 'bare');
    mkdirSync(bare);
    writeFileSync(join(bare, 'model.onnx'), '');
    await expect(evaluateModel(bare)).rejects.toThrow(/no card.json in/);
  });
});
