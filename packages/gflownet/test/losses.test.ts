/**
 * The loss graph against an independent float64 computation (test/reference.ts): values for
 * the five losses on sampled trajectories of a set task and a hypergrid (learned and uniform
 * P_B), and gradients against central finite differences of the reference.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { OnnxModel, rng, tensorToProto, type FloatArray } from '@gradloc/tensor-backend';
import { GFlowNet, HyperGrid, lossFeeds, lossGraph, lossRule, LOSS_NAMES, SetEnv, truncate, type Environment, type LossName, type Trajectory } from '../src/index.js';
import { referenceLoss } from './reference.js';

const HIDDEN = [16, 16];
const LAYERS = HIDDEN.length + 1;
const envs: Environment[] = [new SetEnv({ energies: [0.3, -0.7, 0.1, 0.9, -0.2], size: 3 }), new HyperGrid({ ndim: 2, height: 4 })];

const open: GFlowNet[] = [];
afterAll(async () => {
  for (const g of open) await g.release();
});

async function setup(env: Environment, loss: LossName, backward: 'learned' | 'uniform' = 'learned'): Promise<{ gfn: GFlowNet; batch: Trajectory[] }> {
  const gfn = new GFlowNet({ env, loss, hidden: HIDDEN, seed: 3, backward });
  open.push(gfn);
  // a non-zero log Z so TB's residual is not special at 0
  gfn.trainer.params().get('log_z')![0] = 0.37;
  const batch = await gfn.sample(6, { epsilon: 0.5 });
  return { gfn, batch };
}

describe.each(envs.map((e) => [e.name, e] as const))('%s', (_name, env) => {
  it.each(LOSS_NAMES.map((l) => [l]))('%s: the graph equals the reference (learned and uniform P_B)', async (loss) => {
    for (const backward of ['learned', 'uniform'] as const) {
      const { gfn, batch } = await setup(env, loss, backward);
      const ours = await gfn.loss(batch);
      const ref = referenceLoss(env, gfn.trainer.params(), batch, { loss, layers: LAYERS, uniformBackward: backward === 'uniform' });
      expect(ref).toBeGreaterThan(1e-3);
      expect(Math.abs(ours - ref) / ref).toBeLessThan(2e-5);
    }
  });

  it.each(LOSS_NAMES.map((l) => [l]))('%s: gradients match finite differences of the reference', async (loss) => {
    const { gfn, batch } = await setup(env, loss);
    const { graph, params } = lossGraph(env, { hidden: HIDDEN, seed: 3 });
    const weights = new Map<string, FloatArray>([...gfn.trainer.params()].map(([k, v]) => [k, v.slice()]));
    for (const [k, v] of weights) graph.initializers.set(k, tensorToProto(k, { dtype: 'float32', dims: graph.initializers.get(k)!.dims.map(Number), data: v }));
    const model = OnnxModel.fromGraph(graph);
    try {
      const feeds = lossFeeds(env, lossRule(loss), batch);
      const { grads, outputs } = await model.vjp({ feeds, of: 'loss', wrt: params });
      expect(Number(outputs.loss.data[0])).toBeCloseTo(await gfn.loss(batch), 5);
      const ref64 = new Map<string, Float64Array>([...weights].map(([k, v]) => [k, Float64Array.from(v)]));
      const f = (): number => referenceLoss(env, ref64, batch, { loss, layers: LAYERS });
      const pick = rng(11);
      let checked = 0;
      for (const name of params) {
        const w = ref64.get(name)!;
        const g = grads[name].data as Float32Array;
        const picks = name === 'log_z' ? [0] : Array.from({ length: 4 }, () => Math.floor(pick() * w.length));
        for (const i of picks) {
          const h = 1e-6;
          const keep = w[i];
          w[i] = keep + h;
          const up = f();
          w[i] = keep - h;
          const down = f();
          w[i] = keep;
          const fd = (up - down) / (2 * h);
          expect(Math.abs(g[i] - fd), `${name}[${i}]: ${g[i]} vs ${fd}`).toBeLessThan(2e-4 * Math.max(1, Math.abs(fd)));
          checked++;
        }
      }
      expect(checked).toBeGreaterThan(10);
      // log Z only moves trajectory balance
      const gz = grads.log_z.data[0];
      if (loss === 'tb') expect(Math.abs(gz)).toBeGreaterThan(1e-3);
      else expect(gz).toBe(0);
    } finally {
      await model.release();
    }
  });
});

describe('incomplete trajectories', () => {
  it('the forward-looking losses learn from prefixes (no terminal state); the others refuse them', async () => {
    const env = envs[0];
    for (const loss of LOSS_NAMES) {
      const { gfn, batch } = await setup(env, loss);
      const cut = batch.map((t, k) => truncate(t, 1 + (k % (t.states.length - 2))));
      expect(cut.every((t) => !t.done)).toBe(true);
      if (loss === 'fldb' || loss === 'flsubtb') {
        const ours = await gfn.loss(cut);
        const ref = referenceLoss(env, gfn.trainer.params(), cut, { loss, layers: LAYERS });
        expect(Math.abs(ours - ref) / ref).toBeLessThan(2e-5);
      } else {
        await expect(gfn.loss(cut)).rejects.toThrow(/incomplete/);
      }
    }
  });
});
