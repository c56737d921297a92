import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  addActivationLoss,
  addNextTokenLoss,
  adamw,
  buildGPT,
  fit,
  gateTensors,
  GroupLayout,
  OnnxModel,
  randn,
  rng,
  sgd,
  sliceMaskHook,
  sliceRuns,
  tensor,
  tensorFromProto,
  tensorToProto,
  Trainer,
  type FloatArray,
  type ParamGroup,
} from '../src/index.js';
import { gradCheck } from '../src/testing/index.js';
import { countingBatches, snapshot, take, tinyGPT } from './training-helpers.js';

/** Flat indices of a slice by enumerating every element (independent of sliceRuns' arithmetic). */
function bruteSlice(dims: number[], axis: number, start: number, end: number): number[] {
  const out: number[] = [];
  const size = dims.reduce((a, d) => a * d, 1);
  for (let flat = 0; flat < size; flat++) {
    let rem = flat;
    const idx: number[] = [];
    for (let a = dims.length - 1; a >= 0; a--) {
      idx[a] = rem % dims[a];
      rem = Math.floor(rem / dims[a]);
    }
    if (idx[axis] >= start && idx[axis] < end) out.push(flat);
  }
  return out;
}

const expand = (runs: Int32Array): number[] => {
  const out: number[] = [];
  for (let r = 0; r < runs.length; r += 2) for (let i = runs[r]; i < runs[r + 1]; i++) out.push(i);
  return out;
};

/** tinyGPT's forget-style split: the last MLP unit block and the last head's q/k/v columns. */
const GROUPS: ParamGroup[] = [
  {
    name: 'forget',
    slices: [
      { param: 'h.0.mlp.c_fc.weight', axis: 1, start: 56, end: 64 },
      { param: 'h.0.mlp.c_fc.bias', start: 56, end: 64 },
      { param: 'h.0.mlp.c_proj.weight', axis: 0, start: 56, end: 64 },
      { param: 'h.0.attn.c_attn.weight', axis: 1, start: 8, end: 16 },
    ],
  },
  {
    name: 'retain',
    slices: [
      { param: 'h.0.mlp.c_fc.weight', axis: 1, start: 0, end: 56 },
      { param: 'h.0.mlp.c_proj.weight', axis: 0, start: 0, end: 56 },
      { param: 'h.0.mlp.c_proj.bias' },
    ],
  },
];

describe('training: parameter slices and groups', () => {
  it('sliceRuns selects exactly the elements of the slice, for every axis of random shapes', () => {
    const rand = rng(4);
    for (let trial = 0; trial < 60; trial++) {
      const rank = 1 + Math.floor(rand() * 4);
      const dims = Array.from({ length: rank }, () => 1 + Math.floor(rand() * 5));
      const axis = Math.floor(rand() * rank);
      const a = Math.floor(rand() * (dims[axis] + 1));
      const b = Math.floor(rand() * (dims[axis] + 1));
      const [start, end] = [Math.min(a, b), Math.max(a, b)];
      expect(expand(sliceRuns(dims, { param: 'p', axis, start, end }))).toEqual(bruteSlice(dims, axis, start, end));
    }
    expect(() => sliceRuns([4, 3], { param: 'w', axis: 1, start: 2, end: 5 })).toThrow(/\[2, 5\) is not a range of axis 1 \(length 3\)/);
    expect(() => sliceRuns([4, 3], { param: 'w', axis: 2, start: 0, end: 1 })).toThrow(/axis 2 out of range/);
  });

  it('groups partition every parameter; overlaps and unknown names are errors', () => {
    const params = [
      { name: 'w', dims: [4, 6] },
      { name: 'b', dims: [6] },
    ];
    const layout = new GroupLayout(params, [{ name: 'a', slices: [{ param: 'w', axis: 1, start: 4, end: 6 }] }]);
    expect(layout.names).toEqual(['a', 'rest']);
    const [a, rest] = layout.summary(['w', 'b']);
    expect(a).toEqual({ name: 'a', elements: 8, params: ['w'] });
    expect(rest).toEqual({ name: 'rest', elements: 16 + 6, params: ['w', 'b'] });
    expect(() => new GroupLayout(params, [{ name: 'a', slices: [{ param: 'w', axis: 1, start: 0, end: 3 }] }, { name: 'c', slices: [{ param: 'w', axis: 0, start: 0, end: 1 }] }])).toThrow(
      /groups 'a' and 'c'.*overlap/,
    );
    expect(() => new GroupLayout(params, [{ name: 'a', slices: [{ param: 'nope' }] }])).toThrow(/'nope' is not a trained parameter/);
    expect(() => layout.indicesOf(['zzz'])).toThrow(/unknown parameter group 'zzz' \(groups: a, rest\)/);
  });

  it("'skip': elements of groups a step may not update stay bit-identical, momentum and weight decay included", async () => {
    const trainer = new Trainer({ model: tinyGPT(), optimizer: adamw({ lr: 0.01, weightDecay: 0.1 }), clipNorm: 1, groups: GROUPS });
    const data = countingBatches(5, 8);
    // momentum history everywhere first
    for (const f of take(data, 3)) await trainer.step(f);
    const before = snapshot(trainer.params());
    for (const f of take(data, 4)) await trainer.step(f, { groups: ['forget', 'rest'] });
    const after = snapshot(trainer.params());
    for (const seg of GROUPS[1].slices) {
      const dims = trainer.param(seg.param).dims;
      const idx = expand(sliceRuns(dims, seg));
      expect(idx.map((i) => after[seg.param][i])).toEqual(idx.map((i) => before[seg.param][i]));
    }
    // the forget slice did move
    const fIdx = expand(sliceRuns([16, 64], GROUPS[0].slices[0]));
    expect(fIdx.some((i) => after['h.0.mlp.c_fc.weight'][i] !== before['h.0.mlp.c_fc.weight'][i])).toBe(true);
    expect(trainer.groupStepCounts()).toEqual({ forget: 7, retain: 3, rest: 7 });
    await trainer.release();
  });

  it("'step': one shared optimizer moves masked elements through momentum and decay (what the option is for)", async () => {
    const trainer = new Trainer({ model: tinyGPT(), optimizer: adamw({ lr: 0.01, weightDecay: 0.1 }), groups: GROUPS, maskedGroups: 'step' });
    const data = countingBatches(5, 8);
    for (const f of take(data, 3)) await trainer.step(f);
    const before = snapshot(trainer.params());
    await trainer.step(take(data, 1)[0], { groups: ['forget', 'rest'] });
    const after = snapshot(trainer.params());
    const moved = before['h.0.mlp.c_proj.bias'].filter((v, i) => v !== after['h.0.mlp.c_proj.bias'][i]).length;
    expect(moved).toBe(16);
    await trainer.release();
  });

  it('per-group AdamW equals an independent float64 AdamW with one step count per group', async () => {
    const groups: ParamGroup[] = [{ name: 'a', slices: [{ param: 'h.0.mlp.c_fc.weight', axis: 1, start: 32, end: 64 }] }];
    const [b1, b2, eps, wd, lr] = [0.9, 0.999, 1e-8, 0.05, 0.003];
    const trainer = new Trainer({ model: tinyGPT(), params: ['h.0.mlp.c_fc.weight'], optimizer: adamw({ lr, weightDecay: wd }), groups });
    const grads: Float64Array[] = [];
    trainer.addHook({ params: 'h.0.mlp.c_fc.weight', hook: (g) => void grads.push(Float64Array.from(g)) });
    const p = Float64Array.from(trainer.params().get('h.0.mlp.c_fc.weight')!);
    const m = new Float64Array(p.length);
    const v = new Float64Array(p.length);
    const inA = (i: number): boolean => i % 64 >= 32;
    const counts = { a: 0, rest: 0 };
    const plan: string[][] = [['a', 'rest'], ['rest'], ['a'], ['a', 'rest'], ['rest']];
    const data = countingBatches(9, 8);
    for (const allowed of plan) {
      await trainer.step(take(data, 1)[0], { groups: allowed });
      const g = grads[grads.length - 1];
      for (const k of ['a', 'rest'] as const) if (allowed.includes(k)) counts[k]++;
      for (let i = 0; i < p.length; i++) {
        const k = inA(i) ? 'a' : 'rest';
        if (!allowed.includes(k)) {
          expect(g[i]).toBe(0); // gradient masking
          continue;
        }
        const t = counts[k];
        p[i] *= 1 - lr * wd;
        m[i] = b1 * m[i] + (1 - b1) * g[i];
        v[i] = b2 * v[i] + (1 - b2) * g[i] * g[i];
        p[i] -= (lr * (m[i] / (1 - b1 ** t))) / (Math.sqrt(v[i] / (1 - b2 ** t)) + eps);
      }
    }
    const got = trainer.params().get('h.0.mlp.c_fc.weight')!;
    let maxErr = 0;
    for (let i = 0; i < p.length; i++) maxErr = Math.max(maxErr, Math.abs(got[i] - p[i]));
    expect(maxErr).toBeLessThan(1e-6);
    await trainer.release();
  });

  it('a resumed grouped trainer continues exactly like the uninterrupted one (group step counts checkpointed)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'gradloc-groups-'));
    try {
      const make = (): Trainer => new Trainer({ model: tinyGPT(), optimizer: adamw({ lr: 0.01 }), groups: GROUPS, seed: 3 });
      const plan = [['forget', 'rest'], ['retain', 'rest'], ['forget', 'retain', 'rest'], ['forget', 'rest'], ['retain', 'rest']];
      const batches = take(countingBatches(11, 8), plan.length);
      const full = make();
      for (let i = 0; i < plan.length; i++) await full.step(batches[i], { groups: plan[i] });
      const first = make();
      for (let i = 0; i < 2; i++) await first.step(batches[i], { groups: plan[i] });
      first.saveCheckpoint(dir);
      await first.release();
      const resumed = Trainer.resume(dir);
      expect(resumed.groupStepCounts()).toEqual({ forget: 1, retain: 1, rest: 2 });
      for (let i = 2; i < plan.length; i++) await resumed.step(batches[i], { groups: plan[i] });
      expect(snapshot(resumed.params())).toEqual(snapshot(full.params()));
      await Promise.all([full.release(), resumed.release()]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('sliceMaskHook zeroes exactly the gradient of its slices, every step', async () => {
    const trainer = new Trainer({ model: tinyGPT(), optimizer: sgd({ lr: 0.1 }), hooks: [sliceMaskHook(GROUPS[0].slices)] });
    const seen: Record<string, number[]> = {};
    trainer.addHook({ params: /./, hook: (g, ctx) => void (seen[ctx.name] = Array.from(g)) });
    const before = snapshot(trainer.params());
    await trainer.step(take(countingBatches(3, 8), 1)[0]);
    const after = snapshot(trainer.params());
    for (const s of GROUPS[0].slices) {
      const idx = expand(sliceRuns(trainer.param(s.param).dims, s));
      expect(idx.every((i) => seen[s.param][i] === 0 && after[s.param][i] === before[s.param][i])).toBe(true);
      const others = seen[s.param].filter((_, i) => !idx.includes(i));
      expect(others.some((v) => v !== 0)).toBe(true);
    }
    await trainer.release();
  });

  it('fit passes each labelled batch its step options', async () => {
    const trainer = new Trainer({ model: tinyGPT(), optimizer: sgd({ lr: 0.1 }), groups: GROUPS });
    const data = countingBatches(2, 4);
    const labels = ['forget', 'retain', 'forget'];
    const stream = labels.map((l) => ({ feeds: data.next().value as never, options: { groups: [l, 'rest'] } }));
    await fit({ trainer, train: stream, steps: 3 });
    expect(trainer.groupStepCounts()).toEqual({ forget: 2, retain: 1, rest: 3 });
    await trainer.release();
  });
});

describe('ir: gates (masked forwards)', () => {
  const gpt64 = (): ReturnType<typeof buildGPT> => buildGPT({ vocab: 12, context: 6, dim: 8, depth: 1, heads: 2, seed: 2, withLoss: true, dtype: 'float64', gelu: 'tanh' });
  const feeds = (): Record<string, ReturnType<typeof tensor>> => ({
    input_ids: tensor('int64', [2, 6], BigInt64Array.from([1, 4, 2, 7, 3, 0, 5, 5, 9, 11, 2, 8].map(BigInt))),
    targets: tensor('int64', [2, 6], BigInt64Array.from([4, 2, 7, 3, 0, 1, 5, 9, 11, 2, 8, 6].map(BigInt))),
  });
  const gated = (): ReturnType<typeof gateTensors> =>
    gateTensors(gpt64(), [{ tensor: 'h.0.mlp.c_fc', input: 'mlp_gate', dims: [32], dtype: 'float64' }]);
  const gate = (zeroFrom: number): ReturnType<typeof tensor> => tensor('float64', [32], Float64Array.from({ length: 32 }, (_, i) => (i < zeroFrom ? 1 : 0)));

  it('a gate of ones gives the ungated loss bit for bit; zeros give the loss without those units', async () => {
    const plain = OnnxModel.fromGraph(gpt64());
    const g = OnnxModel.fromGraph(gated());
    const base = (await plain.run(feeds(), ['loss'])).loss.data[0];
    expect((await g.run({ ...feeds(), mlp_gate: gate(32) }, ['loss'])).loss.data[0]).toBe(base);
    // independent: zero the units' c_fc columns and bias in the weights instead
    const zeroed = gpt64();
    for (const name of ['h.0.mlp.c_fc.weight', 'h.0.mlp.c_fc.bias']) {
      const t = tensorFromProto(zeroed.initializers.get(name)!);
      const d = t.data as Float64Array;
      for (let i = 0; i < d.length; i++) if (i % 32 >= 24) d[i] = 0;
      zeroed.initializers.set(name, tensorToProto(name, t));
    }
    const withoutUnits = (await OnnxModel.fromGraph(zeroed).run(feeds(), ['loss'])).loss.data[0] as number;
    expect((await g.run({ ...feeds(), mlp_gate: gate(24) }, ['loss'])).loss.data[0]).toBeCloseTo(withoutUnits, 12);
    await Promise.all([plain.release(), g.release()]);
  });

  it('gradients through a gate match finite differences, and a zero gate gives its units zero gradient', async () => {
    const g = OnnxModel.fromGraph(gated());
    const f = { ...feeds(), mlp_gate: gate(24) };
    const report = await gradCheck(g, f, { of: 'loss', wrt: ['h.0.mlp.c_fc.weight', 'h.0.mlp.c_proj.weight', 'wte.weight'], maxElements: 96 });
    expect(report.maxScaledError).toBeLessThan(1e-6);
    const grads = await g.grad(f, 'loss', ['h.0.mlp.c_fc.weight', 'h.0.mlp.c_proj.weight']);
    const fc = grads['h.0.mlp.c_fc.weight'].data as Float64Array;
    const proj = grads['h.0.mlp.c_proj.weight'].data as Float64Array;
    for (let i = 0; i < fc.length; i++) if (i % 32 >= 24) expect(fc[i]).toBe(0);
    for (let u = 24; u < 32; u++) for (let j = 0; j < 8; j++) expect(proj[u * 8 + j]).toBe(0);
    expect(fc.some((x, i) => i % 32 < 24 && x !== 0)).toBe(true);
    await g.release();
  });

  it("a 'route' gate keeps the value and blocks only the gradient into the routed units (detach)", async () => {
    const plain = OnnxModel.fromGraph(gpt64());
    const routed = OnnxModel.fromGraph(gateTensors(gpt64(), [{ tensor: 'h.0.mlp.c_fc', input: 'route', dims: [32], dtype: 'float64', kind: 'route' }]));
    const f = feeds();
    const wrt = ['h.0.mlp.c_fc.weight', 'h.0.mlp.c_proj.weight', 'h.0.ln_2.weight'];
    const [a, b] = [await plain.grad(f, 'loss', wrt), await routed.grad({ ...f, route: gate(24) }, 'loss', wrt)];
    expect((await routed.run({ ...f, route: gate(24) }, ['loss'])).loss.data[0]).toBe((await plain.run(f, ['loss'])).loss.data[0]);
    const fcA = a['h.0.mlp.c_fc.weight'].data as Float64Array;
    const fcB = b['h.0.mlp.c_fc.weight'].data as Float64Array;
    for (let i = 0; i < fcA.length; i++) {
      if (i % 32 >= 24) expect(fcB[i]).toBe(0);
      else expect(fcB[i]).toBeCloseTo(fcA[i], 12);
    }
    // downstream of the route nothing changes; upstream (ln_2) loses the routed units' share
    const projA = a['h.0.mlp.c_proj.weight'].data as Float64Array;
    (b['h.0.mlp.c_proj.weight'].data as Float64Array).forEach((v, i) => expect(v).toBeCloseTo(projA[i], 12));
    const lnA = a['h.0.ln_2.weight'].data as Float64Array;
    expect((b['h.0.ln_2.weight'].data as Float64Array).some((v, i) => Math.abs(v - lnA[i]) > 1e-9)).toBe(true);
    await Promise.all([plain.release(), routed.release()]);
  });

  it('refuses unknown tensors and taken names', () => {
    expect(() => gateTensors(gpt64(), [{ tensor: 'nope', input: 'g', dims: [1] }])).toThrow(/no node produces 'nope'/);
    expect(() => gateTensors(gpt64(), [{ tensor: 'h.0', input: 'input_ids', dims: [1] }])).toThrow(/already a name/);
  });
});

describe('training: activation loss', () => {
  it('is the row-weighted mean squared error of a hidden tensor, and its gradient matches finite differences', async () => {
    const base = buildGPT({ vocab: 12, context: 6, dim: 8, depth: 2, heads: 2, seed: 5, dtype: 'float64', gelu: 'tanh' });
    const g = addActivationLoss(base, { tensor: 'h.0', dims: ['batch', 'seq', 8], dtype: 'float64' });
    const model = OnnxModel.fromGraph(g);
    const ids = tensor('int64', [3, 4], BigInt64Array.from([1, 4, 2, 7, 3, 0, 5, 5, 9, 11, 2, 8].map(BigInt)));
    const target = randn('float64', [3, 4, 8], rng(3));
    const weights = tensor('float64', [3], Float64Array.of(0.5, 0, 2));
    const feeds = { input_ids: ids, activation_target: target, row_weights: weights };
    // independent value: h.0 from a graph that outputs it, then the formula in JS
    const probe = buildGPT({ vocab: 12, context: 6, dim: 8, depth: 2, heads: 2, seed: 5, dtype: 'float64', gelu: 'tanh' });
    probe.addOutput('h.0', 'float64', null);
    const h = (await OnnxModel.fromGraph(probe).run({ input_ids: ids }, ['h.0']))['h.0'].data as Float64Array;
    let expected = 0;
    for (let b = 0; b < 3; b++) {
      let s = 0;
      for (let i = 0; i < 32; i++) s += (h[b * 32 + i] - (target.data as Float64Array)[b * 32 + i]) ** 2;
      expected += (weights.data as Float64Array)[b] * (s / 32);
    }
    expect((await model.run(feeds, ['loss'])).loss.data[0]).toBeCloseTo(expected, 12);
    const report = await gradCheck(model, feeds, { of: 'loss', wrt: ['h.0.mlp.c_fc.weight', 'h.1.mlp.c_fc.weight', 'wte.weight'] });
    expect(report.maxScaledError).toBeLessThan(1e-6);
    // h.1 is past the hooked layer: no gradient
    const grads = (await model.grad(feeds, 'loss', ['h.1.mlp.c_fc.weight']))['h.1.mlp.c_fc.weight'].data as FloatArray;
    expect(grads.every((x) => x === 0)).toBe(true);
    await model.release();
  });
});

describe('training: next-token loss', () => {
  it("addNextTokenLoss on a forward-only GPT equals buildGPT's built-in loss", async () => {
    const opts = { vocab: 12, context: 6, dim: 8, depth: 1, heads: 2, seed: 7, dtype: 'float64' as const, gelu: 'tanh' as const };
    const withLoss = OnnxModel.fromGraph(buildGPT({ ...opts, withLoss: true }));
    const added = OnnxModel.fromGraph(addNextTokenLoss(buildGPT(opts)));
    const f = {
      input_ids: tensor('int64', [1, 6], BigInt64Array.from([1, 4, 2, 7, 3, 0].map(BigInt))),
      targets: tensor('int64', [1, 6], BigInt64Array.from([4, 2, 7, 3, 0, 11].map(BigInt))),
    };
    expect((await added.run(f, ['loss'])).loss.data[0]).toBeCloseTo((await withLoss.run(f, ['loss'])).loss.data[0] as number, 12);
    expect(() => addNextTokenLoss(buildGPT(opts), { logits: 'nope' })).toThrow(/no output named 'nope'/);
    // row weights: sum_b w_b mean_t CE equals the weighted sum of each row's own loss
    const weighted = OnnxModel.fromGraph(addNextTokenLoss(buildGPT(opts), { rowWeights: 'w' }));
    const rows = [
      [1, 4, 2, 7, 3, 0],
      [5, 5, 9, 11, 2, 8],
    ];
    const next = [
      [4, 2, 7, 3, 0, 11],
      [5, 9, 11, 2, 8, 6],
    ];
    let expected = 0;
    for (const [r, w] of [[0, 0.25], [1, 3]] as const) {
      const one = await withLoss.run({ input_ids: tensor('int64', [1, 6], BigInt64Array.from(rows[r].map(BigInt))), targets: tensor('int64', [1, 6], BigInt64Array.from(next[r].map(BigInt))) }, ['loss']);
      expected += w * (one.loss.data[0] as number);
    }
    const both = {
      input_ids: tensor('int64', [2, 6], BigInt64Array.from(rows.flat().map(BigInt))),
      targets: tensor('int64', [2, 6], BigInt64Array.from(next.flat().map(BigInt))),
      w: tensor('float64', [2], Float64Array.of(0.25, 3)),
    };
    expect((await weighted.run(both, ['loss'])).loss.data[0]).toBeCloseTo(expected, 12);
    const report = await gradCheck(weighted, both, { of: 'loss', wrt: ['h.0.mlp.c_fc.weight', 'wte.weight'] });
    expect(report.maxScaledError).toBeLessThan(1e-6);
    await Promise.all([withLoss.release(), added.release(), weighted.release()]);
  });
});
