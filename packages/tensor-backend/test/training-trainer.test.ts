import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { accuracy, adamw, createSession, encodeModel, float32, GradlocError, maskHook, OnnxModel, scaleHook, sgd, toNumbers, Trainer, type FloatArray } from '../src/index.js';
import { countingBatches, mlp, mlpBatches, paramValues, scalar, snapshot, take, tinyGPT } from './training-helpers.js';

describe('training: Trainer', () => {
  it('an MLP learns: loss falls and accuracy rises on a fixed seed; step reports lr, norm, timings, outputs', async () => {
    const trainer = new Trainer({ model: mlp(1), optimizer: adamw({ lr: 0.03, weightDecay: 0 }), outputs: ['logits'] });
    expect(trainer.paramNames).toEqual(['fc1.weight', 'fc1.bias', 'fc2.weight', 'fc2.bias']);
    const data = mlpBatches(7, 32);
    const [evalBatch] = take(mlpBatches(99, 256), 1);
    const before = await trainer.evaluate(evalBatch);
    const losses: number[] = [];
    for (const feeds of take(data, 80)) {
      const r = await trainer.step(feeds);
      losses.push(r.loss);
      expect(r.outputs.logits.dims).toEqual([32, 3]);
      expect(r.lr).toBe(0.03);
      expect(r.gradNorm).toBeGreaterThan(0);
      expect(r.ms.forwardBackward).toBeGreaterThan(0);
      expect(r.ms.optimizer).toBeGreaterThanOrEqual(0);
    }
    expect(trainer.stepCount).toBe(80);
    const after = await trainer.evaluate(evalBatch);
    expect(scalar(after.loss)).toBeLessThan(0.5 * scalar(before.loss));
    expect(accuracy(after.logits, evalBatch.labels)).toBeGreaterThan(0.85);
    const mean = (a: number[]): number => a.reduce((s, v) => s + v, 0) / a.length;
    expect(mean(losses.slice(-10))).toBeLessThan(0.5 * mean(losses.slice(0, 10)));
    await trainer.release();
  });

  it('a tiny GPT learns to count (tied embedding, Gather, attention)', async () => {
    const trainer = new Trainer({ model: tinyGPT(), optimizer: adamw({ lr: 0.01 }), clipNorm: 1 });
    const data = countingBatches(5, 8);
    const first = (await trainer.step(data.next().value as never)).loss;
    let last = first;
    for (const feeds of take(data, 60)) last = (await trainer.step(feeds)).loss;
    expect(last).toBeLessThan(0.5 * first);
    await trainer.release();
  });

  it('one SGD step is p - lr * dLoss/dp from OnnxModel.vjp; preallocated and copied gradients agree bit for bit', async () => {
    const graph = mlp(2);
    const feeds = take(mlpBatches(3, 16), 3);
    const ref = OnnxModel.fromGraph(graph);
    const { grads } = await ref.vjp({ feeds: feeds[0], of: 'loss', wrt: ['@initializers'] });
    const a = new Trainer({ model: graph, optimizer: sgd({ lr: 0.5 }) });
    const b = new Trainer({ model: graph, optimizer: sgd({ lr: 0.5 }), preallocateGrads: false });
    await a.step(feeds[0]);
    for (const name of a.paramNames) {
      const p0 = ref.initializer(name).data as Float32Array;
      const want = Array.from(p0, (v, i) => Math.fround(v - Math.fround(0.5 * Number(grads[name].data[i]))));
      paramValues(a, name).forEach((v, i) => expect(v).toBeCloseTo(want[i], 6));
    }
    await b.step(feeds[0]);
    for (const f of feeds.slice(1)) {
      await a.step(f);
      await b.step(f);
    }
    expect(snapshot(a.params())).toEqual(snapshot(b.params()));
    await Promise.all([a.release(), b.release(), ref.release()]);
  });

  it('Session.run writes outputs into preallocated tensors and returns them', async () => {
    const session = await createSession(encodeModel(mlp(1).toModel()));
    const feeds = take(mlpBatches(1, 4), 1)[0];
    const into = { logits: float32([4, 3]) };
    const out = await session.run(feeds, ['logits', 'loss'], into);
    expect(out.logits).toBe(into.logits);
    expect(into.logits.data.some((v) => v !== 0)).toBe(true);
    expect(toNumbers(into.logits)).toEqual(toNumbers((await session.run(feeds, ['logits'])).logits));
    expect(out.loss.dims).toEqual([]);
    await session.release();
  });

  it('exportModel: trained weights as initializers, original inputs, same loss in stock onnxruntime as evaluate', async () => {
    const trainer = new Trainer({ model: mlp(4), optimizer: sgd({ lr: 0.1, momentum: 0.9 }) });
    const [evalBatch, ...train] = take(mlpBatches(8, 16), 6);
    for (const f of train) await trainer.step(f);
    const proto = trainer.exportModel();
    expect(proto.graph!.input.map((i) => i.name)).toEqual(['x', 'labels']);
    expect(proto.graph!.initializer.map((t) => t.name)).toEqual(trainer.paramNames);
    const session = await ort.InferenceSession.create(encodeModel(proto));
    const out = await session.run({
      x: new ort.Tensor('float32', evalBatch.x.data as Float32Array, [...evalBatch.x.dims]),
      labels: new ort.Tensor('int64', evalBatch.labels.data as BigInt64Array, [...evalBatch.labels.dims]),
    });
    const evaluated = await trainer.evaluate(evalBatch, ['loss']);
    expect(out.loss.data[0]).toBe(evaluated.loss.data[0]);
    await session.release();
    await trainer.release();
  });

  it('float64 models train in Float64Array', async () => {
    const trainer = new Trainer({ model: mlp(5, 'float64'), optimizer: sgd({ lr: 0.1 }) });
    const [f1, f2] = take(mlpBatches(1, 8, 'float64'), 2);
    const r1 = await trainer.step(f1);
    await trainer.step(f2);
    expect(trainer.params().get('fc1.weight')).toBeInstanceOf(Float64Array);
    expect(Number.isFinite(r1.loss)).toBe(true);
    await trainer.release();
  });

  it('a selected subset trains; the rest stay frozen initializers', async () => {
    const graph = mlp(6);
    const trainer = new Trainer({ model: graph, params: /^fc2\./, optimizer: sgd({ lr: 0.1 }) });
    expect(trainer.paramNames).toEqual(['fc2.weight', 'fc2.bias']);
    expect(trainer.model.inputNames).toEqual(['x', 'labels', 'fc2.weight', 'fc2.bias']);
    expect(trainer.model.graph.initializers.has('fc1.weight')).toBe(true);
    const before = paramValues(trainer, 'fc2.bias');
    await trainer.step(take(mlpBatches(2, 8), 1)[0]);
    expect(paramValues(trainer, 'fc2.bias')).not.toEqual(before);
    expect(() => new Trainer({ model: graph, params: ['nope'], optimizer: sgd() })).toThrow(/no initializer named 'nope'/);
    await trainer.release();
  });

  it('a mask hook keeps masked elements unchanged (SGD, AdamW without decay); hooks run before clipping', async () => {
    const mask = new Float32Array(64).map((_, i) => i % 2);
    for (const optimizer of [sgd({ lr: 0.2 }), adamw({ lr: 0.05, weightDecay: 0 })]) {
      const seen: number[] = [];
      const trainer = new Trainer({
        model: mlp(7),
        optimizer,
        clipNorm: 0.01,
        hooks: [
          { params: 'fc1.weight', hook: maskHook(mask) },
          { params: (n) => n.endsWith('bias'), hook: scaleHook(0) },
        ],
        globalHook: (grads, { step }) => {
          seen.push(step, grads.get('fc1.bias')!.every((v) => v === 0) ? 0 : 1);
        },
      });
      const w0 = paramValues(trainer, 'fc1.weight');
      const b0 = paramValues(trainer, 'fc2.bias');
      for (const f of take(mlpBatches(3, 16), 4)) await trainer.step(f);
      const w = paramValues(trainer, 'fc1.weight');
      for (let i = 0; i < 64; i++) {
        if (mask[i] === 0) expect(w[i]).toBe(w0[i]);
      }
      expect(w.some((v, i) => mask[i] === 1 && v !== w0[i])).toBe(true);
      expect(paramValues(trainer, 'fc2.bias')).toEqual(b0);
      expect(seen).toEqual([1, 0, 2, 0, 3, 0, 4, 0]); // the global hook sees the scaled gradients
      await trainer.release();
    }
  });

  it('addHook returns a remover; hooks see name, step and the parameter', async () => {
    const trainer = new Trainer({ model: mlp(8), optimizer: sgd({ lr: 0.1 }) });
    const calls: string[] = [];
    const remove = trainer.addHook({
      params: /weight$/,
      hook: (g: FloatArray, ctx) => {
        calls.push(`${ctx.step}:${ctx.name}:${ctx.param.length}`);
      },
    });
    const [f1, f2] = take(mlpBatches(4, 8), 2);
    await trainer.step(f1);
    remove();
    await trainer.step(f2);
    expect(calls).toEqual(['1:fc1.weight:64', '1:fc2.weight:48']);
    await trainer.release();
  });

  it('clipping by global norm: reports the pre-clip norm; an SGD update then has norm lr * clipNorm', async () => {
    const trainer = new Trainer({ model: mlp(9), optimizer: sgd({ lr: 0.1 }), clipNorm: 0.05 });
    const before = snapshot(trainer.params());
    const r = await trainer.step(take(mlpBatches(5, 16), 1)[0]);
    expect(r.gradNorm).toBeGreaterThan(0.05);
    let sq = 0;
    for (const [k, v] of trainer.params()) v.forEach((x, i) => (sq += (x - before[k][i]) ** 2));
    expect(Math.sqrt(sq)).toBeCloseTo(0.1 * 0.05, 5);
    await trainer.release();
  });

  it('seeded determinism: same seed and data order give bit-identical parameters', async () => {
    const runOnce = async (): Promise<Record<string, number[]>> => {
      const trainer = new Trainer({ model: tinyGPT(11), optimizer: adamw({ lr: 0.01 }), clipNorm: 1, seed: 5, runtime: { threads: 1 } });
      for (const f of take(countingBatches(3, 4), 5)) await trainer.step(f);
      const s = { ...snapshot(trainer.params()), rand: [trainer.rand()] };
      await trainer.release();
      return s;
    };
    expect(await runOnce()).toEqual(await runOnce());
  });

  it('refuses concurrent steps, non-finite gradients and feeding a parameter', async () => {
    const trainer = new Trainer({ model: mlp(10), optimizer: sgd({ lr: 0.1 }) });
    const [f] = take(mlpBatches(6, 8), 1);
    const p = trainer.step(f);
    await expect(trainer.step(f)).rejects.toThrow(/already running/);
    await p;
    await expect(trainer.step({ ...f, 'fc1.bias': trainer.param('fc1.bias') })).rejects.toThrow(/is a trained parameter/);
    const before = snapshot(trainer.params());
    trainer.addHook({ params: 'fc2.bias', hook: (g) => g.fill(NaN) });
    const err = await trainer.step(f).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GradlocError);
    expect((err as Error).message).toMatch(/gradient of 'fc2.bias' is not finite/);
    expect(snapshot(trainer.params())).toEqual(before);
    expect(trainer.stepCount).toBe(1);
    expect(() => new Trainer({ model: mlp(1), loss: 'nope', optimizer: sgd() })).toThrow(/no tensor named 'nope'/);
    await trainer.release();
  });
});
