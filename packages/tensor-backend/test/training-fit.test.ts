import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { accuracy, adamw, fit, Trainer, type Progress } from '../src/index.js';
import { mlp, mlpBatches, snapshot, take } from './training-helpers.js';

const root = mkdtempSync(join(tmpdir(), 'gradloc-fit-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

describe('training: fit', () => {
  it('steps, evaluates every N steps, checkpoints and reports progress', async () => {
    const trainer = new Trainer({ model: mlp(1), optimizer: adamw({ lr: 0.03, weightDecay: 0 }) });
    const [evalBatch] = take(mlpBatches(50, 128), 1);
    const progress: Progress[] = [];
    const result = await fit({
      trainer,
      train: mlpBatches(2, 16),
      steps: 30,
      evalEvery: 10,
      evaluate: async (t) => {
        const out = await t.evaluate(evalBatch, ['loss', 'logits']);
        return { loss: Number(out.loss.data[0]), accuracy: accuracy(out.logits, evalBatch.labels) };
      },
      onProgress: (p) => progress.push(p),
      checkpointEvery: 20,
      checkpointPath: join(root, 'ckpt'),
    });
    expect(result).toMatchObject({ step: 30, stopped: 'done' });
    expect(progress.map((p) => p.step)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(progress.filter((p) => p.metrics).map((p) => p.step)).toEqual([10, 20, 30]);
    const evals = progress.filter((p) => p.metrics).map((p) => p.metrics!.loss);
    expect(evals[2]).toBeLessThan(evals[0]);
    expect(result.metrics).toEqual(progress[29].metrics);
    for (const p of progress) {
      expect(p.total).toBe(30);
      expect(p.samplesPerSec).toBeGreaterThan(0);
      expect(p.etaSec).toBeGreaterThanOrEqual(0);
    }
    expect(progress[29].etaSec).toBe(0);
    // the last checkpoint is the final state
    const resumed = Trainer.resume(join(root, 'ckpt'));
    expect(resumed.stepCount).toBe(30);
    expect(snapshot(resumed.params())).toEqual(snapshot(trainer.params()));
    await Promise.all([trainer.release(), resumed.release()]);
  });

  it('continues to the same total across fits; an abort loses no batch; stops when the data runs out', async () => {
    const opts = { model: mlp(2), optimizer: adamw(), runtime: { threads: 1 } };
    const straight = new Trainer(opts);
    await fit({ trainer: straight, train: mlpBatches(3, 8), steps: 10 });

    const trainer = new Trainer(opts);
    const data = mlpBatches(3, 8);
    const controller = new AbortController();
    const onProgress = (p: Progress): void => {
      if (p.step === 4) controller.abort();
    };
    expect(await fit({ trainer, train: data, steps: 10, signal: controller.signal, onProgress })).toMatchObject({ step: 4, stopped: 'aborted' });
    expect(await fit({ trainer, train: data, steps: 6 })).toMatchObject({ step: 6, stopped: 'done' });
    expect(await fit({ trainer, train: data, steps: 6 })).toMatchObject({ step: 6, stopped: 'done' });
    expect(await fit({ trainer, train: take(data, 4), steps: 20 })).toMatchObject({ step: 10, stopped: 'data' });
    expect(snapshot(trainer.params())).toEqual(snapshot(straight.params()));
    await Promise.all([trainer.release(), straight.release()]);
  });

  it('prefetch: the same steps and weights, the next batch pulled during the step and none past the last', async () => {
    const opts = { model: mlp(3), optimizer: adamw(), runtime: { threads: 1 } };
    const plain = new Trainer(opts);
    await fit({ trainer: plain, train: mlpBatches(4, 8), steps: 12 });
    const ahead = new Trainer(opts);
    let pulled = 0;
    const pulledAtStep: number[] = [];
    function* counted() {
      for (const b of mlpBatches(4, 8)) {
        pulled++;
        yield b;
      }
    }
    const r = await fit({ trainer: ahead, train: counted(), steps: 12, prefetch: true, onProgress: (p) => pulledAtStep.push(pulled - p.step) });
    expect(r).toMatchObject({ step: 12, stopped: 'done' });
    expect(snapshot(ahead.params())).toEqual(snapshot(plain.params()));
    // one batch ahead after every step but the last, and exactly `steps` batches in all
    expect(pulledAtStep).toEqual([...Array(11).fill(1), 0]);
    expect(pulled).toBe(12);
    await Promise.all([ahead.release(), plain.release()]);
  });
});
