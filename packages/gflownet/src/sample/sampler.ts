/**
 * Batched sampling of trajectories: every step runs the policy once on all unfinished
 * trajectories, draws each one's action from (1 - epsilon) softmax(masked logits / T) +
 * epsilon uniform(valid actions) (the authors' exploration), and asks the environment for the
 * energies of all new states in one call.
 */
import { GradlocError, type Rand } from '@gradloc/tensor-backend';
import type { Environment, State } from '../env/types.js';
import { actionProbabilities } from '../policy/probabilities.js';
import type { PolicyRunner } from '../policy/runner.js';
import type { Trajectory } from './trajectory.js';

export interface SampleOptions {
  /** Share of uniform exploration in [0, 1] (default 0: on-policy); an array gives each trajectory its own. */
  readonly epsilon?: number | readonly number[];
  /** Softmax temperature (default 1). */
  readonly temperature?: number;
}

/** Draws an index from unnormalised non-negative weights. */
function draw(weights: Float64Array, total: number, rand: Rand): number {
  let u = rand() * total;
  let last = -1;
  for (let i = 0; i < weights.length; i++) {
    if (weights[i] <= 0) continue;
    last = i;
    u -= weights[i];
    if (u < 0) return i;
  }
  return last;
}

export async function sampleTrajectories(env: Environment, policy: PolicyRunner, n: number, rand: Rand, opts: SampleOptions = {}): Promise<Trajectory[]> {
  const temp = opts.temperature ?? 1;
  if (!Number.isInteger(n) || n < 1) throw new GradlocError('BAD_INPUT', `number of trajectories must be an integer >= 1, got ${n}`);
  const epsilons = typeof opts.epsilon === 'object' ? opts.epsilon : new Array<number>(n).fill(opts.epsilon ?? 0);
  if (epsilons.length !== n) throw new GradlocError('BAD_INPUT', `${epsilons.length} epsilons for ${n} trajectories`);
  const badEps = epsilons.find((e) => !(e >= 0 && e <= 1));
  if (badEps !== undefined) throw new GradlocError('BAD_INPUT', `epsilon must be in [0, 1], got ${badEps}`);
  if (!(temp > 0)) throw new GradlocError('BAD_INPUT', `temperature must be > 0, got ${temp}`);
  const Af = env.forwardActions;
  const D = env.inputSize;
  const W = policy.width;
  const s0 = env.initial();
  const e0 = (await env.energies([s0]))[0];
  const states: State[][] = Array.from({ length: n }, () => [s0]);
  const actions: number[][] = Array.from({ length: n }, () => []);
  const energies: number[][] = Array.from({ length: n }, () => [e0]);
  const exited = new Array<boolean>(n).fill(false);
  const mask = new Uint8Array(Af);
  const weights = new Float64Array(Af);
  const x = new Float32Array(n * D);
  const isDone = (k: number): boolean => {
    if (exited[k]) return true;
    return env.exitAction < 0 && env.forwardMask(states[k][states[k].length - 1], mask, 0) === 0;
  };
  let active = Array.from({ length: n }, (_, k) => k).filter((k) => !isDone(k));
  while (active.length > 0) {
    active.forEach((k, row) => env.encode(states[k][states[k].length - 1], x, row * D));
    const out = await policy.run(x, active.length);
    const moved: number[] = [];
    const born: State[] = [];
    active.forEach((k, row) => {
      const s = states[k][states[k].length - 1];
      const valid = env.forwardMask(s, mask, 0);
      if (valid === 0) throw new GradlocError('BAD_INPUT', `${env.name}: state ${env.key(s)} has no valid action and is not terminal`);
      actionProbabilities(out, row * W, mask, weights, temp);
      const eps = epsilons[k];
      for (let i = 0; i < Af; i++) weights[i] = (1 - eps) * weights[i] + (mask[i] ? eps / valid : 0);
      const a = draw(weights, 1, rand);
      actions[k].push(a);
      if (a === env.exitAction) {
        exited[k] = true;
        return;
      }
      const child = env.step(s, a);
      states[k].push(child);
      moved.push(k);
      born.push(child);
    });
    if (born.length > 0) {
      const e = await env.energies(born);
      moved.forEach((k, i) => energies[k].push(e[i]));
    }
    active = active.filter((k) => !isDone(k));
  }
  return states.map((st, k) => ({ states: st, actions: actions[k], energies: Float64Array.from(energies[k]), done: true, exited: exited[k] }));
}
