import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { adamw, loadModel, saveModel, sgd, Trainer, warmupCosine, type Optimizer, type TrainerOptions } from '../src/index.js';
import { countingBatches, mlp, mlpBatches, snapshot, take, tinyGPT } from './training-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'gradloc-ckpt-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

type Feeds = Parameters<Trainer['step']>[0];

/** 6 steps straight vs 3 steps, checkpoint, resume, 3 steps: parameters and PRNG must match exactly. */
async function expectResumeExact(opts: TrainerOptions, batches: Feeds[], dir: string): Promise<void> {
  const straight = new Trainer(opts);
  for (const f of batches) await straight.step(f);

  const first = new Trainer(opts);
  for (const f of batches.slice(0, 3)) await first.step(f);
  first.rand();
  first.saveCheckpoint(dir);
  await first.release();
  const resumed = Trainer.resume(dir, { runtime: opts.runtime });
  expect(resumed.stepCount).toBe(3);
  const results = [];
  for (const f of batches.slice(3)) results.push(await resumed.step(f));
  expect(results.map((r) => r.step)).toEqual([4, 5, 6]);
  expect(results.map((r) => r.lr)).toEqual([4, 5, 6].map((s) => straight.lrAt(s)));
  expect(snapshot(resumed.params())).toEqual(snapshot(straight.params()));
  straight.rand();
  expect(resumed.rand()).toBe(straight.rand());
  await Promise.all([straight.release(), resumed.release()]);
}

describe('training: checkpoints', () => {
  it('AdamW + warm-up cosine + clipping + noDecay on a tiny GPT: resume equals the uninterrupted run bit for bit', async () => {
    const opts: TrainerOptions = {
      model: tinyGPT(21),
      optimizer: adamw({ lr: 0.02, weightDecay: 0.1, noDecay: /bias$|ln/ }),
      schedule: warmupCosine({ peak: 0.02, warmupSteps: 2, totalSteps: 6, floor: 0.001 }),
      clipNorm: 0.5,
      seed: 9,
      runtime: { threads: 1 },
    };
    await expectResumeExact(opts, take(countingBatches(4, 4), 6), join(root, 'gpt'));
  });

  it('SGD with Nesterov momentum on an MLP: resume equals the uninterrupted run bit for bit', async () => {
    const opts: TrainerOptions = { model: mlp(3), optimizer: sgd({ lr: 0.1, momentum: 0.9, nesterov: true, weightDecay: 1e-3 }), outputs: ['logits'] };
    await expectResumeExact(opts, take(mlpBatches(2, 16), 6), join(root, 'mlp'));
  });

  it('writes model.onnx (trained weights) and optimizer.onnx (empty graph, state initializers, metadata)', async () => {
    const dir = join(root, 'layout');
    const trainer = new Trainer({ model: mlp(4), optimizer: adamw({ noDecay: 'fc2.bias' }), schedule: warmupCosine({ peak: 0.1, warmupSteps: 1, totalSteps: 10 }), outputs: ['logits'] });
    for (const f of take(mlpBatches(1, 8), 2)) await trainer.step(f);
    trainer.saveCheckpoint(dir);
    const model = loadModel(join(dir, 'model.onnx'));
    expect(model.graph!.initializer.find((t) => t.name === 'fc2.bias')!.raw_data).toEqual(new Uint8Array(trainer.param('fc2.bias').data.buffer));
    const opt = loadModel(join(dir, 'optimizer.onnx'));
    expect(opt.graph!.node).toEqual([]);
    expect(opt.graph!.initializer.map((t) => t.name)).toContain('optimizer::exp_avg_sq::fc1.weight');
    const meta = Object.fromEntries(opt.metadata_props.map((p) => [p.key, p.value]));
    expect(meta['gradloc.train.step']).toBe('2');
    expect(JSON.parse(meta['gradloc.train.optimizer']!)).toMatchObject({ kind: 'adamw', betas: [0.9, 0.999], weightDecay: 0.01 });
    expect(JSON.parse(meta['gradloc.train.schedule']!)).toMatchObject({ kind: 'warmupCosine', totalSteps: 10 });
    expect(JSON.parse(meta['gradloc.train.no_decay']!)).toEqual(['fc2.bias']);
    expect(JSON.parse(meta['gradloc.train.outputs']!)).toEqual(['logits']);
    await trainer.release();
  });

  it('refuses a torn checkpoint and a custom optimizer it cannot rebuild', async () => {
    const dir = join(root, 'torn');
    const trainer = new Trainer({ model: mlp(5), optimizer: sgd({ lr: 0.1 }) });
    const [f1, f2] = take(mlpBatches(1, 8), 2);
    await trainer.step(f1);
    trainer.saveCheckpoint(dir);
    const stale = loadModel(join(dir, 'optimizer.onnx'));
    await trainer.step(f2);
    trainer.saveCheckpoint(dir);
    saveModel(join(dir, 'optimizer.onnx'), stale); // as if the second save died between its two files
    expect(() => Trainer.resume(dir)).toThrow(/torn: model.onnx is at step 2, optimizer.onnx at step 1/);

    const base = sgd({ lr: 0.1 });
    const custom: Optimizer = { ...base, config: { kind: 'mine', lr: 0.1 } };
    const t2 = new Trainer({ model: mlp(5), optimizer: custom });
    await t2.step(f1);
    t2.saveCheckpoint(join(root, 'custom'));
    expect(() => Trainer.resume(join(root, 'custom'))).toThrow(/'mine' is not built in/);
    expect(Trainer.resume(join(root, 'custom'), { optimizer: custom }).stepCount).toBe(1);
    await Promise.all([trainer.release(), t2.release()]);
  });
});
