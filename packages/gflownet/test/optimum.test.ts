/**
 * Zero loss at the analytic optimum of a 3-item set task (sets of 2, uniform P_B): with
 * F(s) = sum_{x >= s, |x| = 2} R(x) / C(2, |s|), P_F(s'|s) = F(s') P_B(s|s') / F(s) and
 * Z = F({}), every objective vanishes on every trajectory, complete or cut short; moving the
 * flows off the optimum makes each loss positive. The policy network is set to output exactly
 * these values (one hidden unit per state, output layer solved in float64).
 */
import { afterAll, describe, expect, it } from 'vitest';
import { GFlowNet, LOSS_NAMES, SetEnv, truncate, type LossName, type State, type Trajectory } from '../src/index.js';

const ENERGIES = [0.4, -0.9, 0.25];
const env = new SetEnv({ energies: ENERGIES, size: 2 });
const STATES: State[] = [[0, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1], [1, 1, 0], [1, 0, 1], [0, 1, 1]].map((s) => Int32Array.from(s));
const size = (s: State): number => s.reduce((a, b) => a + b, 0);
const energy = (s: State): number => s.reduce((e, v, i) => e + v * ENERGIES[i], 0);
const binom = (n: number, k: number): number => (k === 0 ? 1 : (n * binom(n - 1, k - 1)) / k);

/** F(s) under uniform P_B: each terminal superset's reward shared over its C(2, |s|) subsets of that size. */
function flow(s: State): number {
  const terminals = STATES.filter((x) => size(x) === 2 && x.every((v, i) => v >= s[i]));
  return terminals.reduce((a, x) => a + Math.exp(-energy(x)), 0) / binom(2, size(s));
}

/** Policy outputs per state: [log PF of each child | PB logits 0 (uniform) | log F or log F~]. */
function targets(forwardLooking: boolean, shift = 0): number[][] {
  return STATES.map((s, k) => {
    const pf = [0, 1, 2].map((a) => {
      if (s[a] || size(s) === 2) return 0;
      const child = s.slice();
      child[a] = 1;
      return Math.log((flow(child) * (1 / size(child))) / flow(s));
    });
    const logF = size(s) === 2 ? 0 : Math.log(flow(s)) + (forwardLooking ? energy(s) : 0) + (k === 1 ? shift : 0);
    return [...pf, 0, 0, 0, logF];
  });
}

/** Solves A w = t (Gaussian elimination with partial pivoting, float64). */
function solve(A: number[][], t: number[]): number[] {
  const n = A.length;
  const M = A.map((row, i) => [...row, t[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = 0; r < n; r++) {
      if (r === c) continue;
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  return M.map((row, i) => row[n] / row[i]);
}

/** Sets the 3 -> 7 -> 7 network so that it outputs `target` on the 7 states. */
function setNetwork(gfn: GFlowNet, target: number[][]): void {
  const p = gfn.trainer.params();
  const w0 = p.get('policy.0.weight')!;
  const b0 = p.get('policy.0.bias')!;
  // hidden unit k: sum_i (2 s_k,i - 1) x_i - (|s_k| - 1), 1 on state k and an integer <= 0 elsewhere
  STATES.forEach((s, k) => {
    for (let i = 0; i < 3; i++) w0[i * 7 + k] = 2 * s[i] - 1;
    b0[k] = 1 - size(s);
  });
  const hidden = STATES.map((x) =>
    STATES.map((s, k) => {
      const v = [0, 1, 2].reduce((a, i) => a + (2 * s[i] - 1) * x[i], 0) + 1 - size(s);
      return v >= 0 ? v : 0.01 * v;
    }),
  );
  const w1 = p.get('policy.1.weight')!;
  p.get('policy.1.bias')!.fill(0);
  for (let o = 0; o < 7; o++) {
    const col = solve(hidden, target.map((t) => t[o]));
    for (let k = 0; k < 7; k++) w1[k * 7 + o] = col[k];
  }
  p.get('log_z')![0] = Math.log(flow(STATES[0]));
}

/** Every complete trajectory (3 orders x 2 = 6) with its energies. */
function allTrajectories(): Trajectory[] {
  const out: Trajectory[] = [];
  for (let a = 0; a < 3; a++) {
    for (let b = 0; b < 3; b++) {
      if (a === b) continue;
      const s0 = env.initial();
      const s1 = env.step(s0, a);
      const s2 = env.step(s1, b);
      const states = [s0, s1, s2];
      out.push({ states, actions: [a, b], energies: env.energies(states), done: true, exited: false });
    }
  }
  return out;
}

const open: GFlowNet[] = [];
afterAll(async () => {
  for (const g of open) await g.release();
});

describe('analytic optimum of a 3-item set task', () => {
  it.each(LOSS_NAMES.map((l) => [l as LossName]))('%s is zero at the optimum and positive off it', async (loss) => {
    const fl = loss === 'fldb' || loss === 'flsubtb';
    const gfn = new GFlowNet({ env, loss, hidden: [7], backward: 'uniform' });
    open.push(gfn);
    const batch = allTrajectories();
    setNetwork(gfn, targets(fl));
    expect(await gfn.loss(batch)).toBeLessThan(1e-9);
    if (fl) expect(await gfn.loss(batch.map((t) => truncate(t, 1)))).toBeLessThan(1e-9);
    // the learned backward policy with zero logits is the same uniform P_B
    const learned = new GFlowNet({ env, loss, hidden: [7] });
    open.push(learned);
    setNetwork(learned, targets(fl));
    expect(await learned.loss(batch)).toBeLessThan(1e-9);
    // off the optimum: log F of state {0} (TB: log Z) moved by 0.3
    if (loss === 'tb') learned.trainer.params().get('log_z')![0] += 0.3;
    else setNetwork(learned, targets(fl, 0.3));
    expect(await learned.loss(batch)).toBeGreaterThan(1e-3);
  });
});
