/**
 * Exact distributions on enumerable environments. The target: p*(x) = R(x) / sum R over the
 * terminal states. The sampler's: its terminal marginal (epsilon = 0) computed exactly by
 * pushing probability mass through the DAG in topological order, with one policy call for all
 * reachable states - no sampling noise, so an L1 of 0.01 means 0.01.
 *
 * L1 here is the SUM over terminal states of |p(x) - p*(x)| (torchgfn's definition; the mean
 * over states, used by some papers, is this divided by the number of terminal states).
 */
import { GradlocError } from '@gradloc/tensor-backend';
import type { Enumerable, Environment, State } from '../env/types.js';
import { actionProbabilities } from '../policy/probabilities.js';
import type { PolicyRunner } from '../policy/runner.js';

export interface Distribution {
  /** Probability by state key. */
  readonly p: ReadonlyMap<string, number>;
}

export async function targetDistribution(env: Environment & Enumerable): Promise<Distribution> {
  const xs = env.terminals();
  const e = await env.energies(xs);
  const min = Math.min(...e);
  const w = Array.from(e, (v) => Math.exp(-(v - min)));
  const z = w.reduce((a, b) => a + b, 0);
  return { p: new Map(xs.map((x, i) => [env.key(x), w[i] / z])) };
}

/** Sum over the union of keys of |p - q|. */
export function l1Distance(p: Distribution, q: Distribution): number {
  let s = 0;
  for (const [k, v] of p.p) s += Math.abs(v - (q.p.get(k) ?? 0));
  for (const [k, v] of q.p) if (!p.p.has(k)) s += Math.abs(v);
  return s;
}

/** Empirical distribution of terminal-state keys. */
export function empiricalDistribution(keys: readonly string[]): Distribution {
  const c = new Map<string, number>();
  for (const k of keys) c.set(k, (c.get(k) ?? 0) + 1);
  for (const [k, v] of c) c.set(k, v / keys.length);
  return { p: c };
}

/** Every state reachable from s0, parents before children (Kahn's order). */
export function reachableStates(env: Environment, limit = 2_000_000): State[] {
  const index = new Map<string, number>();
  const states: State[] = [];
  const children: number[][] = [];
  const mask = new Uint8Array(env.forwardActions);
  const add = (s: State): number => {
    const k = env.key(s);
    let i = index.get(k);
    if (i === undefined) {
      if (states.length >= limit) throw new GradlocError('BAD_INPUT', `${env.name}: more than ${limit} reachable states to enumerate`);
      i = states.length;
      index.set(k, i);
      states.push(s);
      children.push([]);
    }
    return i;
  };
  add(env.initial());
  for (let i = 0; i < states.length; i++) {
    env.forwardMask(states[i], mask, 0);
    for (let a = 0; a < env.forwardActions; a++) if (mask[a] && a !== env.exitAction) children[i].push(add(env.step(states[i], a)));
  }
  const indeg = new Int32Array(states.length);
  for (const cs of children) for (const c of cs) indeg[c]++;
  const order: number[] = [0];
  for (let h = 0; h < order.length; h++) for (const c of children[order[h]]) if (--indeg[c] === 0) order.push(c);
  return order.map((i) => states[i]);
}

/** The sampler's exact terminal distribution (temperature 1, no exploration). */
export async function policyDistribution(env: Environment, policy: PolicyRunner, states: readonly State[] = reachableStates(env)): Promise<Distribution> {
  const D = env.inputSize;
  const W = policy.width;
  const Af = env.forwardActions;
  const CHUNK = 4096;
  const out = new Float32Array(states.length * W);
  const x = new Float32Array(Math.min(CHUNK, states.length) * D);
  for (let from = 0; from < states.length; from += CHUNK) {
    const n = Math.min(CHUNK, states.length - from);
    for (let r = 0; r < n; r++) env.encode(states[from + r], x, r * D);
    out.set((await policy.run(x, n)).subarray(0, n * W), from * W);
  }
  const mass = new Map<string, number>([[env.key(states[0]), 1]]);
  const terminal = new Map<string, number>();
  const mask = new Uint8Array(Af);
  const probs = new Float64Array(Af);
  states.forEach((s, i) => {
    const m = mass.get(env.key(s)) ?? 0;
    if (m === 0) return;
    if (env.forwardMask(s, mask, 0) === 0) {
      terminal.set(env.key(s), (terminal.get(env.key(s)) ?? 0) + m);
      return;
    }
    actionProbabilities(out, i * W, mask, probs);
    for (let a = 0; a < Af; a++) {
      if (!mask[a]) continue;
      const p = m * probs[a];
      const k = a === env.exitAction ? env.key(s) : env.key(env.step(s, a));
      const into = a === env.exitAction ? terminal : mass;
      into.set(k, (into.get(k) ?? 0) + p);
    }
  });
  return { p: terminal };
}
