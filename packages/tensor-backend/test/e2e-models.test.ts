/**
 * End-to-end gradients of whole models (tiny ResNet, ViT, GPT) against finite
 * differences, plus the compile cache and error contract of OnnxModel.
 *
 * Precision. GPT and the ViT variant with MatMul patches + tanh GELU run in float64:
 * central differences with h = 1e-6, errors ~1e-9. ResNet (Conv) and the Conv + Erf ViT
 * run only in float32 on onnxruntime's CPU provider:
 * - The Conv + Erf ViT is smooth: central differences with h = 1e-2 have rounding error
 *   ~ (relative forward error 1e-6) |f| / h ~ 1e-4 and truncation error ~ h^2 f''' ~ 1e-4;
 *   bounds of 2e-3 (relative, in norm) and 1e-2 (per element) sit above that and far
 *   below what a wrong rule gives (O(1)).
 * - ResNet (Conv, ReLU, MaxPool, GAP, Gemm) is piecewise linear in the input and in every
 *   single weight, so a central difference whose step crosses a ReLU/MaxPool kink is off
 *   by O(1) while one-sided differences on the kink-free side are exact up to rounding
 *   (measured: the central-difference error falls only linearly with h, the signature of
 *   kinks, not of a wrong rule, until float32 rounding takes over below h = 1e-3). `fdCheck` therefore accepts an element when the analytic
 *   value matches the central difference or one of the one-sided ones, and `judge`
 *   requires most elements to match the central one.
 */
import { describe, expect, it } from 'vitest';
import {
  buildGPT,
  buildResNet,
  buildViT,
  Graph,
  GradlocError,
  inferTypes,
  int64,
  OnnxModel,
  promoteInitializers,
  rng,
  sampleFeeds,
  tensor,
  type Tensor,
} from '../src/index.js';
import { gradCheck, type GradCheckReport } from '../src/testing/index.js';

/** ||analytic - numeric|| / ||numeric|| over the checked entries. */
function relNormError(r: GradCheckReport): number {
  let num = 0;
  let den = 0;
  for (const e of r.entries) {
    num += (e.analytic - e.numeric) ** 2;
    den += e.numeric ** 2;
  }
  return Math.sqrt(num / Math.max(den, 1e-30));
}

/** A copy of `graph` where the intermediate `name` is a graph input (its producers cut off). */
function cutAt(graph: Graph, name: string, feedDims: Record<string, readonly number[]>): Graph {
  const t = inferTypes(graph, feedDims).types.get(name);
  if (!t) throw new Error(`no tensor ${name}`);
  const g = Graph.fromModel(graph.toModel({ keepValueInfo: false }));
  const needed = new Set(g.outputs.map((o) => o.name));
  const keep = [];
  for (let i = g.nodes.length - 1; i >= 0; i--) {
    const n = g.nodes[i];
    if (!n.outputs.some((o) => needed.has(o)) || n.outputs.includes(name)) continue;
    keep.push(n);
    for (const x of n.inputs) if (x) needed.add(x);
  }
  g.nodes = keep.reverse();
  g.inputs = g.inputs.filter((i) => needed.has(i.name));
  for (const k of [...g.initializers.keys()]) if (!needed.has(k)) g.initializers.delete(k);
  g.addInput(name, t.dtype, [...t.dims]);
  return g;
}

/** Random seed tensor in [-1, 1) with the dims of `like`. */
function randomSeed(like: Tensor, seed: number): Tensor {
  const r = rng(seed);
  const s = tensor(like.dtype, like.dims);
  for (let i = 0; i < s.data.length; i++) (s.data as Float64Array)[i] = r() * 2 - 1;
  return s;
}

/** A seed selecting one element (flat index) of the output. */
const oneHot =
  (flat: number) =>
  (out: Tensor): Tensor => {
    const s = tensor(out.dtype, out.dims);
    (s.data as Float64Array)[flat] = 1;
    return s;
  };

/** k indices spread evenly over [0, n). */
const spread = (n: number, k: number): number[] => Array.from({ length: k }, (_, i) => Math.floor(((i + 0.5) * n) / k));

interface FdEntry {
  readonly wrt: string;
  readonly index: number;
  readonly analytic: number;
  readonly central: number;
  readonly forward: number;
  readonly backward: number;
}

/**
 * Finite differences of <seed, of> w.r.t. elements of graph inputs or initializers,
 * central and one-sided, next to the analytic VJP with the same seed.
 */
async function fdCheck(
  model: OnnxModel,
  feeds: Record<string, Tensor>,
  of: string,
  wrt: readonly string[],
  opts: { h: number; maxElements: number; seed: (out: Tensor) => Tensor; only?: (index: number) => boolean },
): Promise<FdEntry[]> {
  const inits = wrt.filter((w) => model.graph.initializers.has(w));
  const probe = OnnxModel.fromGraph(promoteInitializers(model.graph, inits));
  const all: Record<string, Tensor> = { ...feeds };
  for (const w of inits) all[w] = model.initializer(w);
  const out = (await probe.run(all, [of]))[of];
  const seed = opts.seed(out);
  const project = (t: Tensor): number => {
    let s = 0;
    for (let i = 0; i < t.data.length; i++) s += Number(t.data[i]) * Number(seed.data[i]);
    return s;
  };
  const f0 = project(out);
  const { grads } = await model.vjp({ feeds, of: { output: of, seed }, wrt, outputs: [of] });
  const entries: FdEntry[] = [];
  for (const w of wrt) {
    const base = all[w];
    const candidates = Array.from({ length: base.data.length }, (_, i) => i).filter((i) => !opts.only || opts.only(i));
    const picked = spread(candidates.length, Math.min(candidates.length, opts.maxElements)).map((k) => candidates[k]);
    for (const j of picked) {
      const shifted = async (delta: number): Promise<{ f: number; step: number }> => {
        const x = { ...base, data: base.data.slice() };
        (x.data as Float64Array)[j] += delta;
        const f = project((await probe.run({ ...all, [w]: x }, [of]))[of]);
        return { f, step: Number(x.data[j]) - Number(base.data[j]) }; // the step after rounding to the storage type
      };
      const p = await shifted(opts.h);
      const m = await shifted(-opts.h);
      entries.push({
        wrt: w,
        index: j,
        analytic: Number(grads[w].data[j]),
        central: (p.f - m.f) / (p.step - m.step),
        forward: (p.f - f0) / p.step,
        backward: (m.f - f0) / m.step,
      });
    }
  }
  await probe.release();
  return entries;
}

/** Entries matching no difference within tol (relative to max(1, |value|)), and the share matching the central one. */
function judge(entries: readonly FdEntry[], tol: number): { bad: FdEntry[]; centralShare: number } {
  const near = (a: number, b: number): boolean => Math.abs(a - b) <= tol * Math.max(1, Math.abs(b));
  const bad = entries.filter((e) => !near(e.analytic, e.central) && !near(e.analytic, e.forward) && !near(e.analytic, e.backward));
  const centralShare = entries.filter((e) => near(e.analytic, e.central)).length / entries.length;
  return { bad, centralShare };
}

describe('ResNet tiny (float32: Conv has no double kernel)', () => {
  const graph = buildResNet({ depth: 'tiny', imageSize: 16, classes: 5, seed: 7 });
  const model = OnnxModel.fromGraph(graph);
  const feeds = sampleFeeds(graph, 11, { dims: { batch: 2 } });
  // h = 1e-3 balances float32 rounding (|f| 1e-7 / h ~ 3e-4 in a quotient) against kink
  // crossings (measured on this model: h = 1e-2 crosses kinks on both sides for conv1's
  // weights, h = 1e-4 drowns in rounding; at 1e-3 all 161 sampled entries pass, 158 centrally)
  const h = 1e-3;
  const tol = 2e-3;

  it('gradient of a class logit w.r.t. the image matches finite differences, and is zero for the other image', async () => {
    const grad = (await model.grad(feeds, 'logits[1,3]', ['input'])).input;
    expect(grad.dims).toEqual([2, 3, 16, 16]);
    const per = 3 * 16 * 16;
    let other = 0;
    for (let j = 0; j < per; j++) other = Math.max(other, Math.abs(Number(grad.data[j])));
    expect(other).toBe(0); // image 0 does not influence the logits of image 1
    const entries = await fdCheck(model, feeds, 'logits', ['input'], { h, maxElements: 64, seed: oneHot(1 * 5 + 3), only: (i) => i >= per });
    for (const e of entries) expect(Number(grad.data[e.index])).toBe(e.analytic); // grad() is the one-hot VJP
    const { bad, centralShare } = judge(entries, tol);
    expect(bad).toEqual([]);
    expect(centralShare).toBeGreaterThan(0.9);
  });

  it('VJP w.r.t. the input and all weights matches finite differences (folded BN)', async () => {
    const wrt = ['input', ...model.expandWrt(['@initializers'])];
    const entries = await fdCheck(model, feeds, 'logits', wrt, { h, maxElements: 12, seed: (o) => randomSeed(o, 1) });
    const { bad, centralShare } = judge(entries, tol);
    expect(bad).toEqual([]);
    expect(centralShare).toBeGreaterThan(0.9);
  });

  it('VJP w.r.t. the input and all weights with BatchNormalization nodes kept', async () => {
    const g = buildResNet({ depth: 'tiny', imageSize: 16, classes: 5, seed: 7, batchNorm: true });
    expect(g.nodes.some((n) => n.op === 'BatchNormalization')).toBe(true);
    const m = OnnxModel.fromGraph(g);
    // running_var enters through 1/sqrt(var + eps): one-sided differences carry O(h) curvature error there
    const wrt = ['input', ...m.expandWrt(['@initializers'])];
    const entries = await fdCheck(m, sampleFeeds(g, 11), 'logits', wrt, { h, maxElements: 8, seed: (o) => randomSeed(o, 2) });
    const { bad, centralShare } = judge(entries, 2 * tol);
    expect(bad).toEqual([]);
    expect(centralShare).toBeGreaterThan(0.9);
    await m.release();
  });

  it("gradient w.r.t. a conv activation (Grad-CAM) equals the cut model's input gradient, which matches finite differences", async () => {
    const seed = randomSeed((await model.run(feeds, ['logits'])).logits, 5);
    for (const layer of ['layer2.0', 'layer2.0.conv1']) {
      const full = await model.vjp({ feeds, of: { output: 'logits', seed }, wrt: [layer], wrtValues: true });
      const cut = OnnxModel.fromGraph(cutAt(graph, layer, { input: feeds.input.dims }));
      // layer2.0.conv1 does not separate the graph (the skip path still reads the image)
      const cutFeeds = Object.fromEntries(cut.inputNames.map((n) => [n, n === layer ? full.values[layer] : feeds[n]]));
      const viaCut = await cut.vjp({ feeds: cutFeeds, of: { output: 'logits', seed }, wrt: [layer] });
      const a = full.grads[layer].data;
      const c = viaCut.grads[layer].data;
      let maxDiff = 0;
      let maxAbs = 0;
      for (let i = 0; i < a.length; i++) {
        maxDiff = Math.max(maxDiff, Math.abs(Number(a[i]) - Number(c[i])));
        maxAbs = Math.max(maxAbs, Math.abs(Number(c[i])));
      }
      expect(maxAbs).toBeGreaterThan(0);
      expect(maxDiff).toBeLessThan(1e-5 * Math.max(1, maxAbs));
      const entries = await fdCheck(cut, cutFeeds, 'logits', [layer], { h, maxElements: 48, seed: () => seed });
      const { bad, centralShare } = judge(entries, tol);
      expect(bad).toEqual([]);
      expect(centralShare).toBeGreaterThan(0.9);
      await cut.release();
    }
  });

  it('caches compiled gradients per signature and compiles again for new input dims', async () => {
    const opts = { feeds, of: 'logits[0,1]', wrt: ['input'] } as const;
    const a = await model.compile(opts);
    const b = await model.compile(opts);
    expect(b).toBe(a);
    expect(b.gradGraph).toBe(a.gradGraph);
    expect(a.compileMs).toBeGreaterThan(0);
    const feeds3 = sampleFeeds(graph, 12, { dims: { batch: 3 } });
    const c = await model.compile({ ...opts, feeds: feeds3 });
    expect(c).not.toBe(a);
    expect(c.key).not.toBe(a.key);
    expect(c.gradGraph.seedType.dims).toEqual([3, 5]);
    expect(a.gradGraph.seedType.dims).toEqual([2, 5]);
    // another signature's entry does not evict the first
    expect(await model.compile(opts)).toBe(a);
    const g3 = await model.grad(feeds3, 'logits[2,4]', ['input']);
    expect(g3.input.dims).toEqual([3, 3, 16, 16]);
  });

  it('an unknown wrt name is a GradlocError with code UNKNOWN_TENSOR', async () => {
    const err = await model.grad(feeds, 'logits[0,0]', ['no_such_tensor']).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(GradlocError);
    expect((err as GradlocError).code).toBe('UNKNOWN_TENSOR');
    expect((err as GradlocError).message).toContain('no_such_tensor');
  });
});

describe('ViT tiny', () => {
  const cfg = { imageSize: 16, patch: 4, dim: 16, depth: 2, heads: 2, classes: 5, seed: 3 } as const;

  it('float64 (MatMul patches, tanh GELU, decomposed LN): a logit w.r.t. the image, the VJP w.r.t. all weights', async () => {
    const graph = buildViT({ ...cfg, dtype: 'float64' });
    const model = OnnxModel.fromGraph(graph);
    const feeds = sampleFeeds(graph, 4, { dims: { batch: 2 } });
    const entries = await fdCheck(model, feeds, 'logits', ['input'], { h: 1e-6, maxElements: 32, seed: oneHot(2), only: (i) => i < 3 * 16 * 16 });
    for (const e of entries) expect(Math.abs(e.analytic - e.central)).toBeLessThan(1e-7 * Math.max(1, Math.abs(e.central)));
    const r = await gradCheck(model, feeds, { of: 'logits', wrt: ['input', ...model.expandWrt(['@initializers'])], maxElements: 6 });
    expect(r.maxScaledError).toBeLessThan(1e-6);
    await model.release();
  });

  it('float32 (Conv patches, Erf GELU): the VJP w.r.t. the image and weights', async () => {
    const graph = buildViT({ ...cfg });
    expect(graph.nodes.some((n) => n.op === 'Erf')).toBe(true);
    const model = OnnxModel.fromGraph(graph);
    const feeds = sampleFeeds(graph, 4);
    // smooth model (no ReLU): the float32 error is rounding and O(h^2) truncation only
    const r = await gradCheck(model, feeds, { of: 'logits', wrt: ['input', 'patch_embed.proj.weight', 'blocks.1.mlp.fc1.weight'], maxElements: 24 });
    expect(relNormError(r)).toBeLessThan(2e-3);
    expect(r.maxScaledError).toBeLessThan(1e-2);
    await model.release();
  });
});

describe('GPT tiny (float64)', () => {
  const cfg = { vocab: 11, context: 8, dim: 16, depth: 2, heads: 2, seed: 5, dtype: 'float64', withLoss: true } as const;
  // Batch of 2 x 6 tokens over a vocabulary of 11: ids 3 and 7 repeat within and across rows,
  // so Gather's gradient must sum the rows of every repeated id.
  const ids = int64([2, 6], [3, 7, 3, 1, 7, 3, 7, 0, 10, 3, 3, 2]);
  const targets = int64([2, 6], [7, 3, 1, 7, 3, 9, 0, 10, 3, 3, 2, 5]);

  it('mean cross-entropy w.r.t. every weight, with repeated token ids (tied LM head)', async () => {
    const model = OnnxModel.fromGraph(buildGPT(cfg));
    const wrt = model.expandWrt(['@initializers']);
    expect(wrt).toContain('wte.weight');
    expect(wrt.every((w) => /\.(weight|bias)$/.test(w))).toBe(true); // only weights are float initializers
    const feeds = { input_ids: ids, targets };
    // every element of the embeddings (rows of repeated ids included), a sample of the rest
    const emb = await gradCheck(model, feeds, { of: 'loss', wrt: ['wte.weight', 'wpe.weight'], maxElements: 11 * 16 });
    expect(emb.maxScaledError).toBeLessThan(1e-7);
    const r = await gradCheck(model, feeds, { of: 'loss', wrt, maxElements: 10 });
    expect(r.maxScaledError).toBeLessThan(1e-7);
    await model.release();
  });

  it('LogSoftmax loss, untied head: token-embedding gradient (saliency) via the cut model, and its scatter-add into wte', async () => {
    const graph = buildGPT({ ...cfg, lossOp: 'logsoftmax', tieWeights: false });
    const model = OnnxModel.fromGraph(graph);
    const feeds = { input_ids: ids, targets };
    const full = await model.vjp({ feeds, of: 'loss', wrt: ['tok_emb', 'wte.weight'], wrtValues: true });
    // untied: wte's gradient is the scatter-add of tok_emb's gradient over the ids
    const dEmb = full.grads.tok_emb.data;
    const dWte = full.grads['wte.weight'].data;
    const expected = new Float64Array(11 * 16);
    for (let t = 0; t < 12; t++) for (let d = 0; d < 16; d++) expected[Number(ids.data[t]) * 16 + d] += Number(dEmb[t * 16 + d]);
    expected.forEach((v, i) => expect(Math.abs(Number(dWte[i]) - v)).toBeLessThan(1e-12));
    const cut = OnnxModel.fromGraph(cutAt(graph, 'tok_emb', { input_ids: [2, 6], targets: [2, 6] }));
    const r = await gradCheck(cut, { input_ids: ids, targets, tok_emb: full.values.tok_emb }, { of: 'loss', wrt: ['tok_emb'], maxElements: 64 });
    expect(r.maxScaledError).toBeLessThan(1e-7);
    await cut.release();
    await model.release();
  });

  it('runs on a sequence shorter than the context (mask and positions sliced at run time) and is causal', async () => {
    const graph = buildGPT({ ...cfg, withLoss: false });
    const model = OnnxModel.fromGraph(graph);
    const feeds = sampleFeeds(graph, 9, { dims: { batch: 1, seq: 5 } });
    const r = await gradCheck(model, feeds, { of: 'logits', wrt: ['wte.weight', 'h.1.attn.c_attn.weight'], maxElements: 16 });
    expect(r.maxScaledError).toBeLessThan(1e-7);
    // logits at position 1 do not depend on the token at position 4
    const g = await model.vjp({ feeds, of: 'logits[0,1,3]', wrt: ['tok_emb'] });
    for (let d = 0; d < 16; d++) expect(Math.abs(Number(g.grads.tok_emb.data[4 * 16 + d]))).toBe(0);
    await model.release();
  });
});
