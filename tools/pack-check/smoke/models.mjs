// Smoke test of the installed @gradloc/models (run plain and as a rolldown bundle by
// tools/pack-check): an installed copy finds no models folder by itself (one error naming
// the three ways to give one); a models folder written here is listed and its classifier is
// opened with the card's preprocessing, whose logits are checked by hand; generated scenes
// are a pure function of their seed.
//
// The classifier: input [1, 3, 2, 2] -> GlobalAveragePool -> Flatten -> MatMul W [3, 2]:
// logits = mean over pixels of ((x - mean_c) / std_c), times W.
// Prints one JSON line; any mismatch throws (exit code 1).
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Graph, GraphBuilder, saveModel, tensor } from '@gradloc/tensor-backend';
import { generateScene, listModels, modelsDir, openClassifier } from '@gradloc/models';

delete process.env.GRADLOC_MODELS;
assert.throws(() => modelsDir(), (e) => e.code === 'MODEL_NOT_FOUND' && /--models/.test(e.message) && /GRADLOC_MODELS/.test(e.message) && /checkout/.test(e.message), 'an installed copy must not find a models folder by itself');

const W = [1, -1, 2, 0.5, -0.5, 3]; // [3, 2] row-major
const MEAN = [0.5, 0.25, 0.75];
const STD = [0.5, 0.25, 0.5];
const root = mkdtempSync(join(tmpdir(), 'gradloc-models-smoke-'));
try {
  const dir = join(root, 'tiny-classifier');
  mkdirSync(dir);
  const g = Graph.create(17);
  const b = new GraphBuilder(g);
  const x = b.input('input', 'float32', [1, 3, 2, 2]);
  const pooled = b.op('Flatten', [b.op('GlobalAveragePool', [x])], { axis: 1 });
  b.op('MatMul', [pooled, b.initializer(tensor('float32', [3, 2], W), 'head.weight')], {}, { outputs: ['logits'] });
  b.output('logits', 'float32', [1, 2]);
  saveModel(join(dir, 'model.onnx'), g.toModel());
  const card = {
    name: 'tiny-classifier',
    task: 'smoke test',
    architecture: 'GAP + linear',
    parameters: 6,
    inputs: [{ name: 'input', dtype: 'float32', dims: [1, 3, 2, 2], meaning: 'image' }],
    outputs: [{ name: 'logits', dtype: 'float32', dims: [1, 2], meaning: 'class logits' }],
    preprocessing: { size: 2, normalization: { mean: MEAN, std: STD } },
    labels: ['yes', 'no'],
    training: { command: 'none', seed: 0, steps: 0, batch: 0, optimizer: 'none', schedule: 'none', data: 'none', wallTimeSec: 0, machine: 'none' },
    metrics: {},
    evaluation: { command: 'none', split: 'none', samples: 0 },
  };
  writeFileSync(join(dir, 'card.json'), JSON.stringify(card));

  const listed = listModels({ modelsDir: root });
  assert.deepEqual(listed.map((m) => [m.name, m.kind]), [['tiny-classifier', 'classifier']], 'listModels');

  const c = openClassifier('tiny-classifier', { modelsDir: root, runtime: { threads: 1 } });
  assert.deepEqual([c.input, c.output, [...c.labels], c.preprocessing.size], ['input', 'logits', ['yes', 'no'], 2], 'openClassifier read the card');
  const pixels = [0.1, 0.9, 0.5, 0.3, 0.2, 0.4, 0.6, 0.8, 1, 0, 0.75, 0.25];
  const logits = (await c.model.run({ input: c.prepare(tensor('float32', [1, 3, 2, 2], pixels)) }, ['logits'])).logits.data;
  await c.model.release();
  const means = [0, 1, 2].map((ch) => pixels.slice(4 * ch, 4 * ch + 4).reduce((s, v) => s + (v - MEAN[ch]) / STD[ch], 0) / 4);
  const want = [0, 1].map((k) => means.reduce((s, p, ch) => s + p * W[ch * 2 + k], 0));
  for (let k = 0; k < 2; k++) assert.ok(Math.abs(logits[k] - want[k]) <= 1e-5, `logit ${k} = ${logits[k]}, expected ${want[k]} (by hand)`);

  const [s1, s2] = [generateScene(42), generateScene(42)];
  assert.ok(s1.objects.length >= 1 && Buffer.from(s1.image.buffer).equals(Buffer.from(s2.image.buffer)), 'a scene is a pure function of its seed');
  console.log(JSON.stringify({ logits: [...logits], objects: s1.objects.length }));
} finally {
  rmSync(root, { recursive: true, force: true });
}
