/**
 * The package declares "sideEffects": false, so bundlers may drop any module whose exports
 * nothing uses. The op registry must survive that: a bundle of the public entry, with
 * tree-shaking on, has to know every rule and compute the same gradients as the sources.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { rolldown } from 'rolldown';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import * as source from '../src/index.js';

type Backend = typeof source;

const ENTRY = fileURLToPath(new URL('../src/index.ts', import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'gradloc-bundle-'));

/** The native packages stay imports (by absolute URL: the bundle lives in a temp dir); everything else is bundled. */
const NATIVE = ['onnxruntime-node', 'sharp'];

/** Bundles src/index.ts with tree-shaking. */
async function bundle(): Promise<string> {
  const urls = new Map(NATIVE.map((id) => [id, import.meta.resolve(id)]));
  const build = await rolldown({
    input: ENTRY,
    platform: 'node',
    treeshake: true,
    logLevel: 'silent',
    resolve: { extensionAlias: { '.js': ['.ts', '.js'] } },
    plugins: [
      {
        name: 'external-native',
        resolveId: (id) => (urls.has(id) ? { id: urls.get(id)!, external: true } : null),
      },
    ],
  });
  const file = join(dir, 'index.mjs');
  await build.write({ file, format: 'esm' });
  await build.close();
  return file;
}

/** y = softmax(relu(x W + b)) summed against a weight, then d y[0] / d (x, W, b). */
async function gradient(m: Backend): Promise<number[][]> {
  const g = m.Graph.create(17);
  const b = new m.GraphBuilder(g);
  const x = b.input('x', 'float32', [2, 3]);
  const w = b.input('w', 'float32', [3, 4]);
  const bias = b.input('bias', 'float32', [4]);
  const h = b.op('Relu', [b.op('Add', [b.op('MatMul', [x, w]), bias])]);
  const p = b.op('Softmax', [h], { axis: -1 });
  const y = new m.Emit(b, 17).reduceSum(b.op('Mul', [p, b.constant(m.float32([4], [1, -2, 3, 0.5]))]), [1], false);
  b.op('Identity', [y], {}, { outputs: ['y'] });
  b.output('y', 'float32', [2]);
  const model = m.OnnxModel.fromGraph(g);
  try {
    const feeds = {
      x: m.float32([2, 3], [0.3, -0.7, 1.1, -0.4, 0.9, 0.25]),
      w: m.float32([3, 4], [0.5, -1, 0.25, 2, -0.3, 0.8, 1.2, -0.6, 0.9, 0.1, -0.4, 0.7]),
      bias: m.float32([4], [0.1, -0.2, 0.3, 0]),
    };
    const r = await model.vjp({ feeds, of: 'y[0]', wrt: ['x', 'w', 'bias'] });
    return ['x', 'w', 'bias'].map((k) => Array.from(r.grads[k].data, Number));
  } finally {
    await model.release();
  }
}

describe('bundled with rolldown (tree-shaking on, "sideEffects": false)', () => {
  let bundled: Backend;
  beforeAll(async () => {
    bundled = (await import(pathToFileURL(await bundle()).href)) as Backend;
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('keeps every gradient rule and shape rule', () => {
    expect(source.gradOps().length).toBeGreaterThan(100);
    expect(bundled.gradOps()).toEqual(source.gradOps());
    expect(bundled.shapeOps()).toEqual(source.shapeOps());
  });

  it('computes the same gradient as the sources', async () => {
    const expected = await gradient(source);
    expect(expected.flat().some((v) => v !== 0)).toBe(true);
    expect(await gradient(bundled)).toEqual(expected);
  });
});
