/**
 * Sessions on a worker thread (RuntimeOptions.thread, src/runtime/thread.ts): the same results
 * as in process (forward, gradients, preallocated outputs), the same errors, and the caller's
 * event loop keeps running while the thread computes (it does not in process).
 */
import { describe, expect, it } from 'vitest';
import { createSession, encodeModel, GradlocError, Graph, GraphBuilder, OnnxModel, rng, tensor, type Tensor } from '../src/index.js';

const r5 = rng(5);
const W = Float32Array.from({ length: 12 }, () => r5() - 0.5);

/** x [2, 4] -> MatMul W [4, 3] -> Tanh -> y; loss = ReduceSum(y). */
function mlp(): Graph {
  const g = Graph.create(17, 'mlp');
  const b = new GraphBuilder(g);
  const w = b.initializer(tensor('float32', [4, 3], W), 'w');
  const y = b.op('Tanh', [b.op('MatMul', [b.input('x', 'float32', [2, 4]), w])], {}, { outputs: ['y'] });
  b.output(y, 'float32', [2, 3]);
  b.output(b.op('ReduceSum', [y], { keepdims: 0 }, { outputs: ['loss'] }), 'float32', []);
  return g;
}

/** `n` chained 512x512 MatMuls of x [512, 512]: a run long enough to watch the event loop during it. */
function slowChain(n: number): Graph {
  const g = Graph.create(17, 'chain');
  const b = new GraphBuilder(g);
  const r = rng(9);
  let h = b.input('x', 'float32', [512, 512]);
  for (let i = 0; i < n; i++) {
    const w = b.initializer(tensor('float32', [512, 512], Float32Array.from({ length: 512 * 512 }, () => (r() - 0.5) / 16)), `w${i}`);
    h = b.op('MatMul', [h, w]);
  }
  b.op('Identity', [h], {}, { outputs: ['y'] });
  b.output('y', 'float32', [512, 512]);
  return g;
}

const x = tensor('float32', [2, 4], [0.1, -0.7, 0.3, 0.9, -0.2, 0.5, 0.05, -1.2]);
const values = (t: Tensor) => Array.from(t.data as Float32Array);

describe('sessions on a worker thread', () => {
  it('forward, gradients and preallocated outputs match the in-process session exactly', async () => {
    const here = OnnxModel.fromGraph(mlp(), { threads: 1 });
    const there = OnnxModel.fromGraph(mlp(), { threads: 1, thread: true });
    try {
      const [a, b] = [await here.run({ x }), await there.run({ x })];
      expect(b.y.dims).toEqual(a.y.dims);
      expect(values(b.y)).toEqual(values(a.y));
      expect(values(b.loss)).toEqual(values(a.loss));
      const [ga, gb] = [await here.grad({ x }, 'loss', ['x', 'w']), await there.grad({ x }, 'loss', ['x', 'w'])];
      expect(values(gb.w)).toEqual(values(ga.w));
      expect(values(gb.x)).toEqual(values(ga.x));
      expect(values(gb.w).some((v) => Math.abs(v) > 1e-3)).toBe(true); // the gradient graph really ran
    } finally {
      await here.release();
      await there.release();
    }
  });

  it('writes into preallocated outputs and keeps the caller\'s inputs', async () => {
    const s = await createSession(encodeModel(mlp().toModel()), { threads: 1, thread: true });
    try {
      const into = { y: tensor('float32', [2, 3], new Float32Array(6)) };
      const before = values(x);
      const out = await s.run({ x }, ['y'], into);
      expect(out.y).toBe(into.y);
      const expected = Array.from({ length: 6 }, (_, k) => {
        const [i, j] = [Math.floor(k / 3), k % 3];
        let acc = 0;
        for (let c = 0; c < 4; c++) acc += (x.data as Float32Array)[i * 4 + c] * W[c * 3 + j];
        return Math.tanh(acc);
      });
      values(into.y).forEach((v, k) => expect(v).toBeCloseTo(expected[k], 6));
      expect(values(x)).toEqual(before); // inputs are copied to the thread, never moved
    } finally {
      await s.release();
    }
  });

  it('reports onnxruntime\'s errors as in process, and refuses runs after release', async () => {
    const here = await createSession(encodeModel(mlp().toModel()), { threads: 1 });
    const there = await createSession(encodeModel(mlp().toModel()), { threads: 1, thread: true });
    const bad = { x: tensor('float32', [3, 4], new Float32Array(12)) };
    const message = async (p: Promise<unknown>) => p.then(() => 'no error', (e: unknown) => (e instanceof GradlocError ? `${e.code}: ${e.message}` : String(e)));
    const [ma, mb] = [await message(here.run(bad)), await message(there.run(bad))];
    expect(ma).toMatch(/^RUNTIME_ERROR: onnxruntime failed: /);
    expect(mb).toBe(ma);
    await expect(createSession(new Uint8Array([1, 2, 3]), { thread: true })).rejects.toThrow(/onnxruntime could not load the model/);
    await here.release();
    await there.release();
    expect(await message(there.run({ x }))).toMatch(/^RUNTIME_ERROR: onnxruntime failed: the onnxruntime thread exited/);
  });

  it('leaves the event loop free while it computes (in process it is blocked)', async () => {
    const model = encodeModel(slowChain(48).toModel());
    const feeds = { x: tensor('float32', [512, 512], Float32Array.from({ length: 512 * 512 }, (_, i) => ((i % 97) - 48) / 48)) };
    const ticksDuring = async (thread: boolean) => {
      const s = await createSession(model, { threads: 1, thread });
      await s.run(feeds); // warm-up
      let ticks = 0;
      const timer = setInterval(() => ticks++, 1);
      const started = performance.now();
      await s.run(feeds);
      const ms = performance.now() - started;
      clearInterval(timer);
      await s.release();
      return { ticks, ms };
    };
    const here = await ticksDuring(false);
    const there = await ticksDuring(true);
    // in process the run holds the thread: at most a tick before it starts (its start is deferred)
    expect(here.ticks).toBeLessThanOrEqual(1);
    // on its thread, the 1 ms timer keeps firing: at least a few per run of tens of milliseconds
    expect(there.ms).toBeGreaterThan(20);
    expect(there.ticks).toBeGreaterThanOrEqual(5);
  });
});
