/**
 * Environments, exact distributions and the sampler: set masks and enumeration counted by
 * hand, torchgfn's documented hypergrid modes, the exact policy marginal against the empirical
 * distribution of many samples, and a short training run reaching the L1 figure.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { rng } from '@gradloc/tensor-backend';
import {
  empiricalDistribution,
  envByName,
  GFlowNet,
  HyperGrid,
  l1Distance,
  policyDistribution,
  reachableStates,
  ReplayBuffer,
  SetEnv,
  targetDistribution,
  terminalOf,
  trainGFlowNet,
  type Trajectory,
} from '../src/index.js';

const open: GFlowNet[] = [];
afterAll(async () => {
  for (const g of open) await g.release();
});

describe('SetEnv', () => {
  const env = new SetEnv({ energies: [0.5, -1, 0.25, 2, 0], size: 3 });

  it('adds absent items until the set is full; energies add up', () => {
    const m = new Uint8Array(5);
    let s = env.initial();
    expect(env.forwardMask(s, m, 0)).toBe(5);
    s = env.step(env.step(s, 1), 3);
    expect(env.forwardMask(s, m, 0)).toBe(3);
    expect([...m]).toEqual([1, 0, 1, 0, 1]);
    expect(env.backwardMask(s, m, 0)).toBe(2);
    expect([...m]).toEqual([0, 1, 0, 1, 0]);
    s = env.step(s, 4);
    expect(env.forwardMask(s, m, 0)).toBe(0);
    expect(env.energies([s])[0]).toBeCloseTo(-1 + 2 + 0, 12);
    expect(() => env.step(s, 1)).toThrow(/already/);
  });

  it('lists the C(5, 3) = 10 terminal sets once each; 26 states are reachable', () => {
    const xs = env.terminals();
    expect(xs).toHaveLength(10);
    expect(new Set(xs.map((x) => env.key(x))).size).toBe(10);
    expect(env.terminalCount()).toBe(10);
    expect(reachableStates(env)).toHaveLength(1 + 5 + 10 + 10);
  });

  it('refuses bad options', () => {
    expect(() => new SetEnv({ energies: [1, 2], size: 3 })).toThrow(/size/);
    expect(() => new SetEnv({ energies: [1, Number.NaN], size: 1 })).toThrow(/not finite/);
  });
});

describe('HyperGrid', () => {
  it("has torchgfn's four modes on the 16 x 16 grid at (2, 2), (2, 13), (13, 2), (13, 13)", () => {
    const env = new HyperGrid({ ndim: 2, height: 16 });
    const xs = env.terminals();
    const e = env.energies(xs);
    const modes = xs.filter((_, i) => e[i] <= env.modeEnergy).map((x) => env.key(x));
    expect(modes.sort()).toEqual(['13,13', '13,2', '2,13', '2,2']);
    // base reward at the centre, R0 + R1 on the outer ring away from the band
    expect(Math.exp(-e[xs.findIndex((x) => x[0] === 7 && x[1] === 7)])).toBeCloseTo(0.1, 12);
    expect(Math.exp(-e[xs.findIndex((x) => x[0] === 0 && x[1] === 15)])).toBeCloseTo(0.6, 12);
  });

  it('always allows the exit; a coordinate stops at the edge', () => {
    const env = new HyperGrid({ ndim: 2, height: 3 });
    const m = new Uint8Array(3);
    expect(env.forwardMask(Int32Array.from([2, 1]), m, 0)).toBe(2);
    expect([...m]).toEqual([0, 1, 1]);
    expect(reachableStates(env)).toHaveLength(9);
  });
});

describe('exact distributions', () => {
  it("the sampler's exact marginal matches 40,000 samples of it, on a set task and a hypergrid", async () => {
    for (const env of [new SetEnv({ energies: [0.5, -1, 0.25, 2, 0], size: 3 }), new HyperGrid({ ndim: 2, height: 3 })]) {
      const gfn = new GFlowNet({ env, loss: 'db', hidden: [32], seed: 5 });
      open.push(gfn);
      // move away from the near-uniform initial policy so the check is not trivial
      const w = gfn.trainer.params().get('policy.1.weight')!;
      const r = rng(2);
      for (let i = 0; i < w.length; i++) w[i] += 1.5 * (r() - 0.5);
      const exact = await policyDistribution(env, gfn.policy);
      const total = [...exact.p.values()].reduce((a, b) => a + b, 0);
      expect(total).toBeCloseTo(1, 6);
      const keys: string[] = [];
      for (let k = 0; k < 10; k++) for (const t of await gfn.sample(4000)) keys.push(env.key(terminalOf(t)));
      const l1 = l1Distance(exact, empiricalDistribution(keys));
      // the expected sampling L1 of 40k draws over at most 10 states is about 0.01
      expect(l1).toBeLessThan(0.04);
      const uniform = { p: new Map([...exact.p.keys()].map((k) => [k, 1 / exact.p.size])) };
      expect(l1Distance(exact, uniform)).toBeGreaterThan(0.1);
    }
  });

  it('epsilon = 1 samples valid actions uniformly, whatever the policy; per-trajectory epsilons must match the count', async () => {
    const env = new SetEnv({ energies: [0, 0, 0, 0], size: 1 });
    const gfn = new GFlowNet({ env, loss: 'tb', hidden: [8], seed: 1 });
    open.push(gfn);
    // a policy that strongly prefers item 0
    gfn.trainer.params().get('policy.1.bias')![0] = 10;
    const counts = [0, 0, 0, 0];
    for (const t of await gfn.sample(4000, { epsilon: 1 })) counts[t.actions[0]]++;
    for (const c of counts) expect(Math.abs(c / 4000 - 0.25)).toBeLessThan(0.03);
    const greedy = await gfn.sample(200, { epsilon: 0 });
    expect(greedy.filter((t) => t.actions[0] === 0).length).toBeGreaterThan(190);
    await expect(gfn.sample(3, { epsilon: [0, 1] })).rejects.toThrow(/2 epsilons for 3/);
  });

  it('the target is R(x) normalised', async () => {
    const env = new SetEnv({ energies: [0, Math.log(2), Math.log(4)], size: 2 });
    const t = await targetDistribution(env);
    // R: {0,1} = 1/2, {0,2} = 1/4, {1,2} = 1/8
    expect(t.p.get('110')).toBeCloseTo(4 / 7, 12);
    expect(t.p.get('101')).toBeCloseTo(2 / 7, 12);
    expect(t.p.get('011')).toBeCloseTo(1 / 7, 12);
  });
});

describe('training', () => {
  it('FL-DB brings the sampler of set-exact under L1 = 0.05 in 400 steps (exact L1, sum over the 924 sets)', async () => {
    const r = await trainGFlowNet({ env: envByName('set-exact'), loss: 'fldb', steps: 400, evalEvery: 100, seed: 1 });
    expect(r.curve[0].l1!).toBeGreaterThan(0.3);
    expect(r.curve[r.curve.length - 1].l1!).toBeLessThan(0.05);
    expect(r.curve[r.curve.length - 1].modes).toBeGreaterThan(0);
  });

  it('replay: a buffer keeps the last `capacity` trajectories; training with half of each batch replayed still converges', async () => {
    const buf = new ReplayBuffer(3);
    const t = (k: number): Trajectory => ({ states: [Int32Array.of(k)], actions: [], energies: Float64Array.of(0), done: true, exited: false });
    buf.add([t(1), t(2), t(3), t(4)]);
    expect(buf.size).toBe(3);
    const drawn = new Set(buf.draw(200, rng(1)).map((x) => x.states[0][0]));
    expect([...drawn].sort()).toEqual([2, 3, 4]);
    const r = await trainGFlowNet({ env: envByName('set-exact'), loss: 'fldb', steps: 500, evalEvery: 250, seed: 2, replay: { capacity: 256, share: 0.5 } });
    expect(r.curve[r.curve.length - 1].l1!).toBeLessThan(0.05);
  });

  it('refuses incomplete trajectories for DB and a bad exploration rate', async () => {
    await expect(trainGFlowNet({ env: envByName('set-exact'), loss: 'db', steps: 1, incomplete: 0.5 })).rejects.toThrow(/incomplete/);
    await expect(trainGFlowNet({ env: envByName('set-exact'), loss: 'tb', steps: 1, epsilon: 2 })).rejects.toThrow(/epsilon/);
  });
});
