import { describe, expect, it } from 'vitest';
import {
  addClassificationLoss,
  Graph,
  GraphBuilder,
  MultiTaskTrainer,
  OnnxModel,
  randn,
  rng,
  sgd,
  tensorFromProto,
  tensorToProto,
  thresholdMask,
  Trainer,
  warmupCosine,
  type Feeds,
  type GlobalGradHook,
} from '../src/index.js';
import { mlpBatches, take } from './training-helpers.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** x [batch, 4] -> shared Linear 16 (fc1) -> Relu -> the task's own Linear 3 (`<task>.fc2`). */
function twoHead(task: string, headSeed: number): Graph {
  const g = Graph.create(17, task);
  const b = new GraphBuilder(g);
  const shared = rng(7);
  const own = rng(headSeed);
  b.input('x', 'float64', ['batch', 4]);
  const h = b.op('Add', [b.op('MatMul', ['x', b.initializer(randn('float64', [4, 16], shared, 0.5), 'fc1.weight')]), b.initializer(randn('float64', [16], shared, 0.1), 'fc1.bias')]);
  const w2 = b.initializer(randn('float64', [16, 3], own, 0.25), `${task}.fc2.weight`);
  b.op('MatMul', [b.op('Relu', [h]), w2], {}, { outputs: ['logits'] });
  b.output('logits', 'float64', ['batch', 3]);
  return addClassificationLoss(g);
}

/** Each task's gradient through a single-task Trainer: SGD with lr 1 moves a weight by -grad. */
async function taskGradient(task: string, seed: number, feeds: Feeds): Promise<Map<string, number[]>> {
  const t = new Trainer({ model: twoHead(task, seed), optimizer: sgd({ lr: 1 }) });
  const before = new Map([...t.params()].map(([k, v]) => [k, Array.from(v)]));
  await t.step(feeds);
  const out = new Map([...t.params()].map(([k, v]) => [k, Array.from(v, (x, i) => before.get(k)![i] - x)]));
  await t.release();
  return out;
}

const norm = (v: readonly number[]): number => Math.hypot(...v);

describe('MultiTaskTrainer', () => {
  const batches = { a: take(mlpBatches(1, 8, 'float64'), 1)[0], b: take(mlpBatches(2, 8, 'float64'), 1)[0] };

  it('sums the tasks gradients of a shared parameter and keeps each head to its task', async () => {
    const mt = new MultiTaskTrainer({ tasks: [{ name: 'a', model: twoHead('a', 11) }, { name: 'b', model: twoHead('b', 12) }], optimizer: sgd({ lr: 1 }) });
    expect([...mt.sharedParams].sort()).toEqual(['fc1.bias', 'fc1.weight']);
    const before = new Map([...mt.params()].map(([k, v]) => [k, Array.from(v)]));
    const r = await mt.step(batches);
    const ga = await taskGradient('a', 11, batches.a);
    const gb = await taskGradient('b', 12, batches.b);
    for (const [name, v] of mt.params()) {
      const delta = Array.from(v, (x, i) => before.get(name)![i] - x);
      const expected = delta.map((_, i) => (ga.get(name)?.[i] ?? 0) + (gb.get(name)?.[i] ?? 0));
      delta.forEach((d, i) => expect(d).toBeCloseTo(expected[i], 12));
    }
    expect(Object.keys(r.losses).sort()).toEqual(['a', 'b']);
    expect(r.sharedNorms.a).toBeCloseTo(norm([...ga.get('fc1.weight')!, ...ga.get('fc1.bias')!]), 12);
    await mt.release();
  });

  it("'normalize' scales each task's gradient of a shared tensor to the mean norm, then sums", async () => {
    const mt = new MultiTaskTrainer({
      tasks: [{ name: 'a', model: twoHead('a', 11) }, { name: 'b', model: twoHead('b', 12) }],
      optimizer: sgd({ lr: 1 }),
      shared: 'normalize',
      normalize: 'fc1.weight',
    });
    const before = new Map([...mt.params()].map(([k, v]) => [k, Array.from(v)]));
    await mt.step(batches);
    const ga = await taskGradient('a', 11, batches.a);
    const gb = await taskGradient('b', 12, batches.b);
    const [na, nb] = [norm(ga.get('fc1.weight')!), norm(gb.get('fc1.weight')!)];
    expect(Math.abs(na - nb) / Math.max(na, nb)).toBeGreaterThan(0.05); // the case tests something
    const mean = (na + nb) / 2;
    const w = Array.from(mt.params().get('fc1.weight')!, (x, i) => before.get('fc1.weight')![i] - x);
    w.forEach((d, i) => expect(d).toBeCloseTo((mean / na) * ga.get('fc1.weight')![i] + (mean / nb) * gb.get('fc1.weight')![i], 12));
    // fc1.bias is shared but not selected: summed
    const bias = Array.from(mt.params().get('fc1.bias')!, (x, i) => before.get('fc1.bias')![i] - x);
    bias.forEach((d, i) => expect(d).toBeCloseTo(ga.get('fc1.bias')![i] + gb.get('fc1.bias')![i], 12));
    await mt.release();
  });

  it('lets a global hook add a penalty gradient, and a task sit a step out', async () => {
    const hook: GlobalGradHook = (grads) => {
      const g = grads.get('fc1.bias')!;
      for (let i = 0; i < g.length; i++) g[i] += 1;
    };
    const mt = new MultiTaskTrainer({ tasks: [{ name: 'a', model: twoHead('a', 11) }, { name: 'b', model: twoHead('b', 12) }], optimizer: sgd({ lr: 1 }), globalHook: hook });
    const before = new Map([...mt.params()].map(([k, v]) => [k, Array.from(v)]));
    const r = await mt.step({ a: batches.a });
    expect(Object.keys(r.losses)).toEqual(['a']);
    const ga = await taskGradient('a', 11, batches.a);
    const bias = Array.from(mt.params().get('fc1.bias')!, (x, i) => before.get('fc1.bias')![i] - x);
    bias.forEach((d, i) => expect(d).toBeCloseTo(ga.get('fc1.bias')![i] + 1, 12));
    expect(Array.from(mt.params().get('b.fc2.weight')!)).toEqual(before.get('b.fc2.weight'));
    await expect(mt.step({ c: batches.a })).rejects.toThrow(/no task named 'c'/);
    await mt.release();
  });

  it('exports a task as a runnable graph and restores a checkpoint to the same next step', async () => {
    const make = (): MultiTaskTrainer => new MultiTaskTrainer({ tasks: [{ name: 'a', model: twoHead('a', 11) }, { name: 'b', model: twoHead('b', 12) }], optimizer: sgd({ lr: 0.1, momentum: 0.9 }), shared: 'normalize' });
    const data = take(mlpBatches(3, 8, 'float64'), 6);
    const feeds = (i: number): Record<string, Feeds> => ({ a: data[i], b: data[i + 3] });
    const mt = make();
    await mt.step(feeds(0));
    const dir = join(mkdtempSync(join(tmpdir(), 'mt-')), 'ckpt');
    mt.saveCheckpoint(dir, 12345);
    await mt.step(feeds(1));
    const resumed = make();
    expect(resumed.restore(dir)).toEqual({ step: 1, rngState: 12345 });
    expect(resumed.stepCount).toBe(1);
    const other = new MultiTaskTrainer({ tasks: [{ name: 'a', model: twoHead('a', 11) }, { name: 'b', model: twoHead('b', 12) }], optimizer: sgd({ lr: 0.1, momentum: 0.9 }), schedule: warmupCosine({ peak: 0.1, warmupSteps: 1, totalSteps: 9 }), shared: 'normalize' });
    expect(() => other.restore(dir)).toThrow(/written under the schedule null, this trainer has .*warmupCosine/);
    await other.release();
    await resumed.step(feeds(1));
    for (const [k, v] of mt.params()) expect(Array.from(resumed.params().get(k)!)).toEqual(Array.from(v));
    const exported = OnnxModel.fromGraph(mt.exportTask('b'));
    const direct = await mt.evaluate('b', data[0], ['logits']);
    const stock = await exported.run(data[0], ['logits']);
    expect(Array.from(stock.logits.data)).toEqual(Array.from(direct.logits.data));
    await Promise.all([mt.release(), resumed.release(), exported.release()]);
  });

  it('refuses tasks whose shared parameters start different', () => {
    const changed = twoHead('b', 12);
    const bias = tensorFromProto(changed.initializers.get('fc1.bias')!);
    (bias.data as Float64Array)[0] += 1;
    changed.initializers.set('fc1.bias', tensorToProto('fc1.bias', bias));
    expect(() => new MultiTaskTrainer({ tasks: [{ name: 'a', model: twoHead('a', 11) }, { name: 'b', model: changed }], optimizer: sgd() })).toThrow(/differs from the first task's/);
  });
});

describe('thresholdMask (straight-through)', () => {
  it('is exactly 1 where the score is <= threshold, and passes the gradient to the score unchanged', async () => {
    // y = sum(c * (m * a + (1 - m) * s_b)) with m = thresholdMask(score); dy/dscore = sum(c * (a - b)) per score
    const g = Graph.create(17, 'st');
    const b = new GraphBuilder(g);
    b.input('score', 'float64', [3]);
    b.input('a', 'float64', [3]);
    b.input('bb', 'float64', [3]);
    b.input('c', 'float64', [3]);
    const m = thresholdMask(b, 'score', 0.5, 'float64', 'mask');
    const one = b.scalar(1, 'float64');
    const mixed = b.op('Add', [b.op('Mul', [m, 'a']), b.op('Mul', [b.op('Sub', [one, m]), 'bb'])]);
    b.op('ReduceSum', [b.op('Mul', ['c', mixed]), b.ints([0])], { keepdims: 0 }, { outputs: ['y'] });
    b.output('y', 'float64', []);
    b.output(m, 'float64', [3]);
    const model = OnnxModel.fromGraph(g);
    const v = (xs: number[]): Feeds[string] => ({ dtype: 'float64', dims: [3], data: Float64Array.from(xs) });
    const feeds = { score: v([0.2, 0.5, 0.7]), a: v([1, 2, 3]), bb: v([-1, 5, 0.5]), c: v([2, -1, 4]) };
    const fwd = await model.run(feeds, [m, 'y']);
    expect(Array.from(fwd[m].data)).toEqual([1, 1, 0]);
    expect(Number(fwd.y.data[0])).toBe(2 * 1 + -1 * 2 + 4 * 0.5);
    const grad = await model.grad(feeds, 'y', ['score']);
    expect(Array.from(grad.score.data)).toEqual([2 * (1 + 1), -1 * (2 - 5), 4 * (3 - 0.5)]);
    await model.release();
  });
});
