/**
 * Remote inference over the KServe v2 protocol (src/runtime/kserve.ts) against a test server
 * written for the tests (kserve-server.ts, real onnxruntime behind it): a model's forward and
 * its gradient graph run remotely give exactly what they give in process; each graph is
 * deployed once; errors are one-line GradlocErrors.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRemoteSession, encodeModel, Graph, GraphBuilder, OnnxModel, remoteModelName, rng, tensor, type Tensor } from '../src/index.js';
import { startKserve, type TestKserve } from './kserve-server.js';

let server: TestKserve;
beforeAll(async () => {
  server = await startKserve();
});
afterAll(async () => server?.close());

/** x [2, 4] -> MatMul W [4, 3] -> Tanh -> ReduceSum -> loss (a scalar); also y. */
function mlp(): Graph {
  const g = Graph.create(17, 'mlp');
  const b = new GraphBuilder(g);
  const r = rng(3);
  const w = b.initializer(tensor('float32', [4, 3], Float32Array.from({ length: 12 }, () => r() - 0.5)), 'w');
  const y = b.op('Tanh', [b.op('MatMul', [b.input('x', 'float32', [2, 4]), w])], {}, { outputs: ['y'] });
  b.output(y, 'float32', [2, 3]);
  b.output(b.op('ReduceSum', [y], { keepdims: 0 }, { outputs: ['loss'] }), 'float32', []);
  return g;
}
const x = tensor('float32', [2, 4], [0.1, -0.7, 0.3, 0.9, -0.2, 0.5, 0.05, -1.2]);
const same = (a: Tensor, b: Tensor) => {
  expect(a.dims).toEqual(b.dims);
  expect(Array.from(a.data as Float32Array)).toEqual(Array.from(b.data as Float32Array));
};

describe('remote sessions (KServe v2)', () => {
  it('forward and gradient graphs run on the server give what they give in process', async () => {
    const local = OnnxModel.fromGraph(mlp(), { threads: 1 });
    const remote = OnnxModel.fromGraph(mlp(), { remote: { url: server.url } });
    try {
      same((await remote.run({ x }, ['y'])).y, (await local.run({ x }, ['y'])).y);
      const [gr, gl] = [await remote.grad({ x }, 'loss', ['x', 'w']), await local.grad({ x }, 'loss', ['x', 'w'])];
      same(gr.x, gl.x);
      same(gr.w, gl.w);
      // d loss / d w is not trivially zero: the gradient graph really ran
      expect(Array.from(gr.w.data as Float32Array).some((v) => Math.abs(v) > 1e-3)).toBe(true);
    } finally {
      await local.release();
      await remote.release();
    }
    const loads = server.requests.filter((q) => q.path.endsWith('/load'));
    expect(loads.length).toBe(2); // the forward graph and the gradient graph
    expect(server.requests.filter((q) => q.path.endsWith('/infer')).length).toBe(2);
  });

  it('deploys a graph once: a second session on the same bytes finds it on the server', async () => {
    const bytes = encodeModel(mlp().toModel());
    const before = server.requests.filter((q) => q.path.endsWith('/load')).length;
    const a = await createRemoteSession({ url: server.url }, bytes);
    const b = await createRemoteSession({ url: server.url }, bytes);
    expect(server.requests.filter((q) => q.path.endsWith('/load')).length - before).toBeLessThanOrEqual(1);
    expect([...a.inputNames]).toEqual(['x']);
    expect([...b.outputNames].sort()).toEqual(['loss', 'y']);
    expect(remoteModelName(bytes)).toMatch(/^gradloc-[0-9a-f]{24}$/);
    const into = tensor('float32', [2, 3]);
    const out = await a.run({ x }, ['y'], { y: into });
    expect(out.y).toBe(into);
  });

  it('one-line errors: an unreachable server, a server-side failure, values JSON cannot carry', async () => {
    await expect(createRemoteSession({ url: 'http://127.0.0.1:9', timeoutMs: 2000 }, encodeModel(mlp().toModel()))).rejects.toThrow(/unreachable/);
    const s = await createRemoteSession({ url: server.url }, encodeModel(mlp().toModel()));
    await expect(s.run({ x: tensor('float32', [3, 4]) })).rejects.toThrow(/^model server: POST \/v2\/models\/gradloc-[0-9a-f]+\/infer answered 400: /);
    await expect(s.run({})).rejects.toThrow(/missing feed for input 'x'/);
    const g = Graph.create(17, 'ids');
    const b = new GraphBuilder(g);
    b.output(b.op('Identity', [b.input('i', 'int64', [1])], {}, { outputs: ['o'] }), 'int64', [1]);
    const ids = await createRemoteSession({ url: server.url }, encodeModel(g.toModel()));
    expect((await ids.run({ i: tensor('int64', [1], BigInt64Array.from([2n ** 40n])) })).o.data).toEqual(BigInt64Array.from([BigInt(2 ** 40)]));
    await expect(ids.run({ i: tensor('int64', [1], BigInt64Array.from([2n ** 60n])) })).rejects.toThrow(/beyond what JSON numbers carry/);
  });
});
