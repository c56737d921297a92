/**
 * shapes-resnet / shapes-vit through their real zoo entries, on runs short enough for a test:
 * the shipped files, the card's fields, evaluateModel reproducing the card, and learning.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OnnxModel } from '@gradloc/tensor-backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { evaluateModel, readCard, SHAPES, SHAPES_MEAN, SHAPES_STD, type Card, type TrainReport } from '@gradloc/models';
import { zooModel } from '../src/index.js';
import { shapesFeeds } from '../src/models/shapes-classifier-data.js';
import { shapesClassifier } from '../src/models/shapes-classifier.js';
import { SHAPES_VIT_CONFIG, shapesViTRecipe } from '../src/models/shapes-vit.js';

const tmp = mkdtempSync(join(tmpdir(), 'shapes-classifier-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

interface Run {
  readonly dir: string;
  readonly report: TrainReport;
  readonly card: Card;
  readonly losses: number[];
}

async function shortRun(name: string, steps: number, evalSamples: number): Promise<Run> {
  const dir = join(tmp, name);
  const losses: number[] = [];
  const report = await zooModel(name).train({ outDir: dir, steps, evalSamples, threads: 2, onProgress: (p) => losses.push(p.loss) });
  return { dir, report, card: readCard(dir), losses };
}

/** What every shapes classifier's card and model.onnx must say after any run. */
async function expectShippedClassifier(run: Run, name: string, steps: number, evalSamples: number): Promise<void> {
  const { card, report } = run;
  expect(card.name).toBe(name);
  expect(card.architecture.length).toBeGreaterThan(20);
  expect(card.labels).toEqual(SHAPES);
  expect(card.preprocessing).toMatchObject({ size: 96, normalization: { mean: SHAPES_MEAN, std: SHAPES_STD } });
  expect(card.training).toMatchObject({ command: `npx gradloc train ${name} --steps ${steps} --eval-samples ${evalSamples}`, seed: 0, steps });
  expect(card.training.batch).toBeGreaterThan(0);
  expect(card.training.wallTimeSec).toBeGreaterThan(0);
  expect(card.training.wallTimeSec).toBe(report.wallTimeSec);
  expect(card.training.machine).toMatch(/node v\d+/);
  expect(card.metrics).toEqual(report.metrics);
  expect(card.evaluation).toMatchObject({ command: `npx gradloc zoo eval ${name}`, split: 'test', samples: evalSamples });

  // forward graph only, and the card counts exactly its weights
  const model = OnnxModel.load(join(run.dir, 'model.onnx'));
  expect(model.inputNames).toEqual(['input']);
  expect(model.outputNames).toEqual(['logits']);
  const weights = model.floatInitializers().reduce((n, w) => n + model.initializer(w).data.length, 0);
  expect(card.parameters).toBe(weights);
  for (const layer of card.camLayers ?? []) expect(model.graph.nodes.some((n) => n.outputs.includes(layer))).toBe(true);

  // same test scenes, same model: the very same number, by default over the card's count
  expect(await evaluateModel(run.dir, { threads: 2 })).toEqual(card.metrics);
}

describe('shapes-resnet', () => {
  const steps = 20;
  let run: Run;
  beforeAll(async () => {
    run = await shortRun('shapes-resnet', steps, 100);
  }, 60_000);

  it('ships model.onnx and a card whose accuracy evaluateModel recomputes exactly', async () => {
    await expectShippedClassifier(run, 'shapes-resnet', steps, 100);
    expect(run.card.camLayers).toEqual(['layer4.1']);
    expect(run.report.steps).toBe(steps);
  });

  it('lowers the loss over 20 steps of a fixed seed', () => {
    expect(run.losses).toHaveLength(steps);
    const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
    expect(mean(run.losses.slice(-5))).toBeLessThan(mean(run.losses.slice(0, 5)));
  });
});

describe('shapes-vit', () => {
  it('ships a ViT whose card says how to lay its tokens out for CAM', async () => {
    const run = await shortRun('shapes-vit', 3, 40);
    await expectShippedClassifier(run, 'shapes-vit', 3, 40);
    // the CAM layer is the last transformer block's first LayerNorm, its tokens 1 class token + 8x8 patches
    const model = OnnxModel.load(join(run.dir, 'model.onnx'));
    const blocks = model.graph.nodes.flatMap((n) => n.outputs).filter((o) => /^blocks\.\d+$/.test(o));
    const last = `blocks.${blocks.length - 1}.norm1`;
    expect(run.card.camLayers).toEqual([last]);
    expect(run.card.preprocessing.camTokens).toMatchObject({ layer: last, prefixTokens: 1, grid: [8, 8], dims: ['batch', 65, 128] });
    // its patch tokens get a gradient from the logits (the last block's OUTPUT reaches the head
    // only through the class token, so its patch tokens would not)
    const feeds = shapesFeeds('test', 0, 1);
    const g = (await model.grad({ input: feeds.input }, 'logits[0,0]', [last]))[last].data as Float32Array;
    expect(g.subarray(128).some((v) => v !== 0)).toBe(true);
    await model.release();
  }, 180_000);

  it('with patch-token supervision (auxWeight), trains the extra head but ships without it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'shapes-vit-aux-'));
    try {
      const entry = shapesClassifier(shapesViTRecipe({ ...SHAPES_VIT_CONFIG, auxWeight: 1 }, 'vit-aux'));
      await entry.train({ outDir: dir, steps: 2, evalSamples: 20, threads: 2 });
      const model = OnnxModel.load(join(dir, 'model.onnx'));
      expect([...model.graph.initializers.keys()].filter((k) => k.startsWith('aux.'))).toEqual([]);
      expect(model.inputNames).toEqual(['input']);
      expect(readCard(dir).training.data).toMatch(/auxiliary sigmoid focal loss/);
      await model.release();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 180_000); // three training steps of a conv-stem ViT, running statistics, scoring and a gradient compile
});
