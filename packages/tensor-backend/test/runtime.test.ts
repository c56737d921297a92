import { describe, expect, it } from 'vitest';
import { GradlocError, Graph, GraphBuilder, OnnxModel, float32, float64, setWarningHandler, tensor } from '../src/index.js';

function tanhModel(): Graph {
  const g = Graph.create(17);
  const b = new GraphBuilder(g);
  b.input('x', 'float32', ['batch', 3]);
  b.op('Tanh', ['x'], {}, { outputs: ['y'] });
  b.output('y', 'float32', ['batch', 3]);
  return g;
}

describe('runtime', () => {
  it('falls back to cpu with one warning when an execution provider is not available', async () => {
    const warnings: string[] = [];
    setWarningHandler((m) => warnings.push(m));
    const a = OnnxModel.fromGraph(tanhModel(), { executionProvider: 'cuda' });
    const b = OnnxModel.fromGraph(tanhModel(), { executionProvider: 'cuda', threads: 1 });
    const x = float32([2, 3], [0, 1, 2, 3, 4, 5]);
    const ya = (await a.run({ x })).y;
    const yb = (await b.run({ x })).y;
    expect(Array.from(ya.data)).toEqual(Array.from(yb.data));
    expect(warnings.length).toBe(1);
    expect(warnings[0]).toMatch(/'cuda' is not available.*falling back to cpu/);
    await a.release();
    await b.release();
  });

  it('validates feeds: missing, unknown, wrong dtype, wrong static dims', async () => {
    const m = OnnxModel.fromGraph(tanhModel());
    const code = async (p: Promise<unknown>): Promise<string> => {
      try {
        await p;
        return 'none';
      } catch (e) {
        return e instanceof GradlocError ? e.code : 'other';
      }
    };
    expect(await code(m.run({}))).toBe('BAD_INPUT');
    expect(await code(m.run({ x: float32([1, 3]), z: float32([1]) }))).toBe('UNKNOWN_TENSOR');
    expect(await code(m.run({ x: float64([1, 3]) }))).toBe('DTYPE_MISMATCH');
    expect(await code(m.run({ x: float32([1, 4]) }))).toBe('SHAPE_MISMATCH');
    expect(await code(m.vjp({ feeds: { x: float32([1, 3]) }, of: 'y', wrt: ['x'] }))).toBe('BAD_INPUT'); // y is not scalar
    expect(await code(m.vjp({ feeds: { x: float32([1, 3]) }, of: 'y[0,3]', wrt: ['x'] }))).toBe('BAD_INPUT');
    expect(await code(m.vjp({ feeds: { x: float32([1, 3]) }, of: 'y[0,1]', wrt: ['nope'] }))).toBe('UNKNOWN_TENSOR');
    expect(await code(m.vjp({ feeds: { x: float32([1, 3]) }, of: { output: 'y', seed: float32([2, 3]) }, wrt: ['x'] }))).toBe('SHAPE_MISMATCH');
    await m.release();
  });

  it('resolves symbolic dims per signature and caches one compiled graph per signature', async () => {
    const m = OnnxModel.fromGraph(tanhModel());
    const c1 = await m.compile({ feeds: { x: float32([1, 3]) }, of: 'y[0,0]', wrt: ['x'] });
    const c2 = await m.compile({ feeds: { x: float32([1, 3]) }, of: 'y[0,2]', wrt: ['x'] });
    const c3 = await m.compile({ feeds: { x: float32([4, 3]) }, of: 'y[0,0]', wrt: ['x'] });
    expect(c2).toBe(c1); // the element is a seed fed at run time: one graph serves every index
    expect(c3).not.toBe(c1);
    const x = float32([4, 3], [...Array(12).keys()].map((i) => i / 10));
    const { grads, outputs } = await m.vjp({ feeds: { x }, of: 'y[2,1]', wrt: ['x'] });
    const expected = new Array(12).fill(0);
    expected[7] = 1 - Math.tanh(0.7) ** 2;
    Array.from(grads.x.data).forEach((v, i) => expect(v).toBeCloseTo(expected[i], 6));
    expect(outputs.y.dims).toEqual([4, 3]);
    await m.release();
  });

  it('returns zeros for a wrt tensor the target does not depend on', async () => {
    const g = Graph.create(17);
    const b = new GraphBuilder(g);
    b.input('x', 'float32', [2]);
    b.input('unused', 'float32', [3]);
    b.op('Tanh', ['x'], {}, { outputs: ['y'] });
    b.output('y', 'float32', [2]);
    const m = OnnxModel.fromGraph(g);
    const r = await m.vjp({ feeds: { x: float32([2], [0, 1]), unused: float32([3]) }, of: 'y[1]', wrt: ['unused', 'x'], wrtValues: true });
    expect(Array.from(r.grads.unused.data)).toEqual([0, 0, 0]);
    expect(r.values.x.dims).toEqual([2]);
    expect(r.grads.x.data[0]).toBe(0);
    await m.release();
  });

  it('does not differentiate integer paths', async () => {
    const g = Graph.create(17);
    const b = new GraphBuilder(g);
    b.input('x', 'float32', [3]);
    const s = b.op('Cast', [b.op('Cast', ['x'], { to: 7 })], { to: 1 }); // round-trip through int64
    b.op('Add', [b.op('Mul', ['x', 'x']), s], {}, { outputs: ['y'] });
    b.output('y', 'float32', [3]);
    const m = OnnxModel.fromGraph(g);
    const r = await m.grad({ x: tensor('float32', [3], [1.5, 2, 3]) }, 'y[0]', ['x']);
    expect(r.x.data[0]).toBeCloseTo(3, 6); // d(x^2)/dx only; the int64 path carries no gradient
    await m.release();
  });
});
