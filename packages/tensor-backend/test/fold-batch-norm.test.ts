/** Inference BatchNorms are folded into the convs before them, without changing any gradient. */
import { describe, expect, it } from 'vitest';
import {
  asFloat,
  buildGradGraph,
  buildResNet,
  createSession,
  encodeModel,
  Graph,
  GraphBuilder,
  rng,
  sampleFeeds,
  tensor,
  type Tensor,
} from '../src/index.js';

/** Gradients (and the forward output) of `of` w.r.t. `wrt` from one gradient graph, with a random seed. */
async function runGrad(g: Graph, feeds: Record<string, Tensor>, wrt: string[], fuse: boolean, of = 'y') {
  const dims = Object.fromEntries(Object.entries(feeds).map(([k, v]) => [k, [...v.dims]]));
  const gg = buildGradGraph(g, dims, { of, wrt, outputs: [of], fuse });
  const r = rng(5);
  const seed = tensor(gg.seedType.dtype, gg.seedType.dims);
  for (let i = 0; i < seed.data.length; i++) (seed.data as Float32Array)[i] = r() * 2 - 1;
  const s = await createSession(encodeModel(gg.graph.toModel()), { threads: 1 });
  const raw = await s.run({ ...feeds, [gg.seed]: seed });
  await s.release();
  const grads = wrt.map((w) => {
    const ref = gg.grads.get(w)!;
    if (ref.kind !== 'output') throw new Error(`unexpected ${ref.kind}`);
    return raw[ref.name];
  });
  return { bn: gg.graph.nodes.filter((n) => n.op === 'BatchNormalization').length, y: raw[of], grads };
}

/** max |a - b| / max |b|: float32 kernels rounding the scale in another place. */
function relErr(a: Tensor, b: Tensor): number {
  let max = 0;
  let err = 0;
  for (let k = 0; k < b.data.length; k++) {
    max = Math.max(max, Math.abs(Number(b.data[k])));
    err = Math.max(err, Math.abs(Number(a.data[k]) - Number(b.data[k])));
  }
  expect(max).toBeGreaterThan(0);
  return err / max;
}

const vec = (r: () => number, n: number, lo: number, hi: number): Tensor => tensor('float32', [n], Float32Array.from({ length: n }, () => lo + (hi - lo) * r()));

/**
 * x -> Conv (grouped, with bias) -> BN -> Relu -> Conv (strided, no bias) -> BN = y; the
 * first conv's output also feeds `tap` when asked, which must keep that pair unfolded.
 */
function convBnNet(tap: boolean): Graph {
  const g = Graph.create(17);
  const b = new GraphBuilder(g);
  const r = rng(3);
  b.input('x', 'float32', [2, 4, 9, 9]);
  const w = (dims: number[]): string => b.initializer(tensor('float32', dims, Float32Array.from({ length: dims.reduce((a, v) => a * v, 1) }, () => r() - 0.5)), 'w');
  const bn = (x: string, c: number, out?: string): string =>
    b.op('BatchNormalization', [x, b.initializer(vec(r, c, 0.5, 1.5)), b.initializer(vec(r, c, -0.5, 0.5)), b.initializer(vec(r, c, -0.3, 0.3)), b.initializer(vec(r, c, 0.2, 2))], { epsilon: asFloat(1e-3) }, out ? { outputs: [out] } : {});
  const c1 = b.op('Conv', ['x', w([6, 2, 3, 3]), b.initializer(vec(r, 6, -0.2, 0.2))], { group: 2, pads: [1, 1, 1, 1] }, { outputs: ['c1'] });
  const h = b.op('Relu', [bn(c1, 6)]);
  bn(b.op('Conv', [h, w([8, 6, 3, 3])], { strides: [2, 2] }), 8, 'y');
  b.output('y', 'float32', [2, 8, 4, 4]);
  if (tap) {
    b.op('Mul', [c1, c1], {}, { outputs: ['tap'] });
    b.output('tap', 'float32', [2, 6, 9, 9]);
  }
  return g;
}

describe('BatchNorm folding', () => {
  const feeds = { x: tensor('float32', [2, 4, 9, 9], Float32Array.from({ length: 2 * 4 * 81 }, (_, i) => Math.sin(i * 0.37))) };

  it('folds grouped and strided Conv -> BN pairs; the forward and the input gradient stay the same', async () => {
    const plain = await runGrad(convBnNet(false), feeds, ['x'], false);
    const folded = await runGrad(convBnNet(false), feeds, ['x'], true);
    expect(plain.bn).toBe(2);
    expect(folded.bn).toBe(0);
    expect(relErr(folded.y, plain.y)).toBeLessThan(1e-5);
    expect(relErr(folded.grads[0], plain.grads[0])).toBeLessThan(1e-5);
  });

  it('leaves a pair whose conv output is read elsewhere, or whose parameters are differentiated', async () => {
    expect((await runGrad(convBnNet(true), feeds, ['x'], true)).bn).toBe(1);
    const g = convBnNet(false);
    const scale = g.nodes.find((n) => n.op === 'BatchNormalization')!.inputs[1];
    const both = await runGrad(g, feeds, ['x', scale], true);
    const ref = await runGrad(convBnNet(false), feeds, ['x', scale], false);
    expect(both.bn).toBe(1);
    both.grads.forEach((t, i) => expect(relErr(t, ref.grads[i])).toBeLessThan(1e-5));
  });

  it('a ResNet with BatchNorm nodes: input gradient of the folded graph equals the unfolded one', async () => {
    const resnet = (): Graph => buildResNet({ depth: 'tiny', imageSize: 16, classes: 5, seed: 7, batchNorm: true });
    const f = sampleFeeds(resnet(), 11, { dims: { batch: 2 } });
    const plain = await runGrad(resnet(), f, ['input'], false, 'logits');
    const folded = await runGrad(resnet(), f, ['input'], true, 'logits');
    expect(plain.bn).toBeGreaterThan(0);
    expect(folded.bn).toBe(0);
    expect(relErr(folded.grads[0], plain.grads[0])).toBeLessThan(1e-5);
  });
});
