/**
 * `gradloc grad` end to end: the built CLI runs on small saved models; written gradients
 * are compared with OnnxModel.vjp in-process and with central finite differences.
 */
import { availableParallelism } from 'node:os';
import { existsSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { OnnxModel, readNpy, tensor, toNumbers, type Tensor } from '@gradloc/tensor-backend';
import { MLP, buildMlp, gradloc, listFiles, npy, tempDir, values } from './helpers.js';

let dir: string;
let model32: string;
let model64: string;
const x = tensor('float32', [2, 4], values(8, 7));
const x64 = tensor('float64', [2, 4], values(8, 7));

beforeAll(() => {
  dir = tempDir();
  model32 = buildMlp(dir, 'float32');
  model64 = buildMlp(dir, 'float64');
  npy(dir, 'x.npy', x);
  npy(dir, 'x64.npy', x64);
});

const run = (args: string[]) => gradloc(['grad', '--threads', '1', ...args], dir);

function expectClose(actual: Tensor, expected: Tensor, tol: number): void {
  expect(actual.dims).toEqual(expected.dims);
  const a = toNumbers(actual);
  const e = toNumbers(expected);
  const scale = Math.max(1e-12, ...e.map(Math.abs));
  const err = Math.max(...a.map((v, i) => Math.abs(v - e[i])));
  expect(err / scale).toBeLessThanOrEqual(tol);
}

/**
 * d f / d x[j] by central differences on the float64 model, for f = <seed, output>
 * (an element when seed is one-hot); `of` must be a model output.
 */
async function finiteDiff(feed: Tensor, of: string, seed: readonly number[]): Promise<Tensor> {
  const m = OnnxModel.load(model64);
  const h = 1e-6;
  const f = async (v: Tensor): Promise<number> => {
    const out = toNumbers((await m.run({ x: v }, [of]))[of]);
    return out.reduce((s, o, i) => s + o * seed[i], 0);
  };
  const g = new Float64Array(feed.data.length);
  for (let j = 0; j < g.length; j++) {
    const plus = tensor('float64', feed.dims, Float64Array.from(toNumbers(feed)));
    const minus = tensor('float64', feed.dims, Float64Array.from(toNumbers(feed)));
    (plus.data as Float64Array)[j] += h;
    (minus.data as Float64Array)[j] -= h;
    g[j] = ((await f(plus)) - (await f(minus))) / (2 * h);
  }
  await m.release();
  return tensor('float64', feed.dims, g);
}

describe('gradloc grad', () => {
  it('--of logits[1,2] w.r.t. an input, an intermediate and an initializer matches OnnxModel.vjp', async () => {
    const out = join(dir, 'element');
    const r = run(['--model', model32, '--feed', 'x=x.npy', '--of', `logits[1,2]`, '--wrt', `${MLP.input},${MLP.act}`, '--wrt', MLP.w1, '--out', out]);
    expect(r.stderr).toContain('gradient of logits[1,2]');
    expect(r.code).toBe(0);
    expect(r.stdout).toBe('');
    expect(listFiles(out)).toEqual(
      ['_act_Relu_output_0.npy', 'onnx__MatMul_7.npy', 'x.npy', 'values/_act_Relu_output_0.npy', 'values/onnx__MatMul_7.npy', 'values/x.npy'].sort(),
    );
    const m = OnnxModel.load(model32);
    const ref = await m.vjp({ feeds: { x }, of: 'logits[1,2]', wrt: [MLP.input, MLP.act, MLP.w1], wrtValues: true });
    await m.release();
    expectClose(readNpy(join(out, 'x.npy')), ref.grads[MLP.input], 1e-6);
    expectClose(readNpy(join(out, '_act_Relu_output_0.npy')), ref.grads[MLP.act], 1e-6);
    expectClose(readNpy(join(out, 'onnx__MatMul_7.npy')), ref.grads[MLP.w1], 1e-6);
    expectClose(readNpy(join(out, 'values/_act_Relu_output_0.npy')), ref.values[MLP.act], 1e-6);
    expectClose(readNpy(join(out, 'values/x.npy')), x, 0);
    expect(readNpy(join(out, 'x.npy')).dtype).toBe('float32');
  });

  it('a float64 model: the element gradient matches finite differences (written as float32)', async () => {
    const out = join(dir, 'fd');
    const r = run(['--model', model64, '--feed', 'x=x64.npy', '--of', 'logits[-1,0]', '--wrt', 'x', '--out', out]);
    expect(r.code).toBe(0);
    const g = readNpy(join(out, 'x.npy'));
    expect(g.dtype).toBe('float32');
    expectClose(g, await finiteDiff(x64, MLP.logits, [0, 0, 0, 1, 0, 0]), 1e-5);
  });

  it('--of logits --seed: the vector-Jacobian product matches finite differences of <seed, logits>', async () => {
    const seed = values(6, 9);
    npy(dir, 'seed.npy', tensor('float64', [2, 3], seed));
    const out = join(dir, 'vjp');
    const r = run(['--model', model64, '--feed', 'x=x64.npy', '--of', 'logits', '--seed', 'seed.npy', '--wrt', 'x', '--out', out]);
    expect(r.code).toBe(0);
    expectClose(readNpy(join(out, 'x.npy')), await finiteDiff(x64, MLP.logits, seed), 1e-5);
  });

  it('--of loss (a scalar) --wrt @initializers writes every weight gradient; a float64 feed is converted', async () => {
    const out = join(dir, 'weights');
    const r = run(['--model', model32, '--feed', 'x=x64.npy', '--of', 'loss', '--wrt', '@initializers', '--out', out]);
    expect(r.code).toBe(0);
    expect(listFiles(out).filter((f) => !f.startsWith('values/'))).toEqual(['fc1.bias.npy', 'head.weight.npy', 'onnx__MatMul_7.npy']);
    const m = OnnxModel.load(model32);
    const ref = await m.vjp({ feeds: { x }, of: 'loss', wrt: [MLP.w1, MLP.b1, MLP.w2], wrtValues: true });
    await m.release();
    expectClose(readNpy(join(out, 'head.weight.npy')), ref.grads[MLP.w2], 1e-6);
    expectClose(readNpy(join(out, 'fc1.bias.npy')), ref.grads[MLP.b1], 1e-6);
    expectClose(readNpy(join(out, 'values/head.weight.npy')), ref.values[MLP.w2], 0);
  });

  it('--bench N prints exactly one JSON line on stdout: the timings, the threads, the best plain forward and the ratio', () => {
    // default settings (no --threads): what a user measures
    const r = gradloc(['grad', '--model', model32, '--feed', 'x=x.npy', '--of', 'loss', '--wrt', 'x', '--out', join(dir, 'bench'), '--bench', '3'], dir);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').filter((l) => l !== '');
    expect(lines).toHaveLength(1);
    const j = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(Object.keys(j).sort()).toEqual(['best_forward_ms', 'best_forward_threads', 'compile_ms', 'forward_backward_ms', 'forward_ms', 'ratio_vs_best_forward', 'threads']);
    for (const v of Object.values(j)) expect(typeof v === 'number' && v >= 0).toBe(true);
    // the default is every core; the best thread count is one of 1 .. every core
    expect(j.threads).toBe(availableParallelism());
    expect(j.best_forward_threads).toBeGreaterThanOrEqual(1);
    expect(j.best_forward_threads).toBeLessThanOrEqual(availableParallelism());
    // the ratio is of the unrounded medians; the printed ms are rounded to 1 us, which moves
    // the ratio of two sub-millisecond figures by a few percent at most
    const ratio = (j.forward_backward_ms as number) / (j.best_forward_ms as number);
    expect(Math.abs((j.ratio_vs_best_forward as number) - ratio) / ratio).toBeLessThan(0.1);
    const one = JSON.parse(run(['--model', model32, '--feed', 'x=x.npy', '--of', 'loss', '--wrt', 'x', '--out', join(dir, 'bench1'), '--bench', '2']).stdout) as Record<string, unknown>;
    expect(one.threads).toBe(1);
  });

  it('in an existing dir, replaces only the files it writes', () => {
    const out = join(dir, 'existing');
    run(['--model', model32, '--feed', 'x=x.npy', '--of', 'loss', '--wrt', 'x', '--out', out]);
    writeFileSync(join(out, 'notes.txt'), 'keep me');
    writeFileSync(join(out, 'x.npy'), 'stale');
    const r = run(['--model', model32, '--feed', 'x=x.npy', '--of', 'loss', '--wrt', 'x', '--out', out]);
    expect(r.code).toBe(0);
    expect(readFileSync(join(out, 'notes.txt'), 'utf8')).toBe('keep me');
    expect(readNpy(join(out, 'x.npy')).dims).toEqual([2, 4]);
    expect([...readdirSync(out), ...readdirSync(dir)].filter((f) => f.includes('gradloc-tmp'))).toEqual([]);
  });

  it('--help prints the contract on stdout and exits 0', () => {
    const r = run(['--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('--wrt');
    expect(r.stdout).toContain('@initializers');
    expect(existsSync(join(dir, 'help'))).toBe(false);
  });
});
