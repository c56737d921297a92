/**
 * Loaders on the shipped models: a name in the models folder, a model folder and an .onnx file
 * name the same model; a classifier comes with its card's preprocessing (and classifies test
 * scenes with it); a grounder encodes queries in the shapes vocabulary at its fixed length.
 * (Hugging Face export folders: hf-grounder-folder.test.ts.)
 */
import { cpSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GradlocError, type Tensor } from '@gradloc/tensor-backend';
import {
  generateSplitBatch,
  imagePreprocessing,
  modelDir,
  openClassifier,
  openGrounder,
  prepareImages,
  readCard,
  resolveModel,
  SHAPES,
  SHAPES_MEAN,
  SHAPES_STD,
  tokenizePhrases,
} from '../src/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'models-loaders-'));

/** How many rows of [N, 6] logits have their largest entry at the label. */
const correct = (logits: Tensor, labels: readonly number[]): number =>
  labels.filter((label, n) => {
    const row = Array.from(logits.data.subarray(n * 6, (n + 1) * 6), Number);
    return row.indexOf(Math.max(...row)) === label;
  }).length;
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('resolveModel', () => {
  it('a name, its folder and its file are the same model', () => {
    const dir = modelDir('shapes-resnet');
    const expected = { name: 'shapes-resnet', file: join(dir, 'model.onnx'), dir };
    expect(resolveModel('shapes-resnet')).toEqual(expected);
    expect(resolveModel(dir)).toEqual(expected);
    expect(resolveModel(join(dir, 'model.onnx'))).toEqual(expected);
  });

  it('a bare name the models folder lacks may be a folder of the working directory', () => {
    cpSync(modelDir('shapes-resnet'), join(tmp, 'local-resnet'), { recursive: true });
    const cwd = process.cwd();
    process.chdir(tmp);
    try {
      expect(resolveModel('local-resnet').dir).toBe(join(tmp, 'local-resnet'));
      expect(() => resolveModel('elsewhere')).toThrow(/no model 'elsewhere' in .* \(models there: brown-gpt, .*\), nor a folder or file of that name/);
    } finally {
      process.chdir(cwd);
    }
  });

  it('a path that does not exist is MODEL_NOT_FOUND', () => {
    expect(() => resolveModel(join(tmp, 'none', 'model.onnx'))).toThrow(GradlocError);
  });
});

describe('openClassifier', () => {
  it("gives the card's names, labels, CAM layer and preprocessing", async () => {
    const c = openClassifier('shapes-resnet', { runtime: { threads: 1 } });
    try {
      expect([c.name, c.input, c.output, c.labels, c.camLayers]).toEqual(['shapes-resnet', 'input', 'logits', SHAPES, ['layer4.1']]);
      expect(c.preprocessing).toEqual({ size: 96, mean: SHAPES_MEAN, std: SHAPES_STD, inGraph: false });
    } finally {
      await c.model.release();
    }
  });

  it('prepares test scenes so that the model classifies them as its card says (19 of 20 or better)', async () => {
    const c = openClassifier(join(modelDir('shapes-resnet'), 'model.onnx'));
    try {
      const { images, labels } = generateSplitBatch('test', 0, 20);
      const logits = (await c.model.run({ [c.input]: c.prepare(images) }, [c.output]))[c.output];
      const right = correct(logits, labels);
      expect(right).toBeGreaterThanOrEqual(19);
      // unnormalised pixels are not what it was trained on: it is wrong far more often
      const raw = (await c.model.run({ [c.input]: images }, [c.output]))[c.output];
      expect(correct(raw, labels)).toBeLessThan(right);
    } finally {
      await c.model.release();
    }
  });

  it('refuses a model of another kind', () => {
    expect(() => openClassifier('shapes-grounder')).toThrow("shapes-grounder is a grounder, not a classifier (its card has no labels)");
  });
});

describe('image preprocessing from a card', () => {
  it("a grounder's graph standardises its pixels itself, so they pass unchanged", () => {
    const pre = imagePreprocessing(readCard(modelDir('shapes-grounder')));
    expect(pre).toEqual({ size: 96, mean: SHAPES_MEAN, std: SHAPES_STD, inGraph: true });
    const { images } = generateSplitBatch('test', 0, 1);
    expect(prepareImages(images, pre)).toBe(images);
  });

  it('a card without a size is BAD_MODEL', () => {
    const card = readCard(modelDir('brown-gpt'));
    expect(() => imagePreprocessing(card)).toThrow(/brown-gpt: the card gives no input size/);
  });
});

describe('openGrounder', () => {
  it("by name: the card, its CAM layer, and queries as the shapes tokenizer's ids at the model's length", async () => {
    const g = await openGrounder('shapes-grounder-gwq4', { runtime: { threads: 1 } });
    try {
      expect([g.name, g.camLayer, g.card?.name]).toEqual(['shapes-grounder-gwq4', 'vision.blocks.3', 'shapes-grounder-gwq4']);
      expect(Array.from(g.encodeQuery('The Red Circle').input_ids.data)).toEqual(Array.from(tokenizePhrases(['the red circle'], 8).ids.data));
      expect(() => g.encodeQuery('a red dragon')).toThrow(/words the model does not know: dragon/);
      expect(() => g.encodeQuery('...')).toThrow(/the query is empty/);
    } finally {
      await g.model.release();
    }
  });

  it('refuses a card that is not a shapes-vocabulary grounder', async () => {
    await expect(openGrounder('shapes-resnet')).rejects.toThrow(/does not describe a shapes-vocabulary grounder/);
  });
});
