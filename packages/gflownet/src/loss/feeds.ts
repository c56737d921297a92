/**
 * A batch of trajectories as the loss graph's feeds. Trajectory b occupies rows
 * [b L, (b + 1) L) (L = the longest trajectory's rows; shorter ones padded with rows that
 * contribute nothing): row t holds state s_t (or the sink after an exit), its policy input,
 * masks of the valid forward/backward actions, one-hot selections of the action taken from it
 * and of the backward action that leads back from it, and the rule's flow coefficients.
 */
import { float32, GradlocError, int64, type Feeds } from '@gradloc/tensor-backend';
import type { Environment } from '../env/types.js';
import type { Trajectory } from '../sample/trajectory.js';
import type { LossRule, RowContext } from './rules.js';

/** Added to the logits of invalid actions (finite, so a 0 selection of it stays 0, not NaN). */
export const MASKED_LOGIT = -1e9;

/** Rows of a trajectory in the loss graph: its states, plus the sink after an exit. */
export const rowsOf = (t: Trajectory): number => t.states.length + (t.exited ? 1 : 0);

export function lossFeeds(env: Environment, rule: LossRule, batch: readonly Trajectory[]): Feeds {
  if (batch.length === 0) throw new GradlocError('BAD_INPUT', 'a training batch needs at least one trajectory');
  const B = batch.length;
  const L = Math.max(...batch.map(rowsOf));
  const N = B * L;
  const { inputSize: D, forwardActions: Af, backwardActions: Ab } = env;
  const x = new Float32Array(N * D);
  const fmask = new Float32Array(N * Af);
  const fsel = new Float32Array(N * Af);
  const bmask = new Float32Array(N * Ab);
  const bsel = new Float32Array(N * Ab);
  const pbUniform = new Float32Array(N);
  const a = new Float32Array(N);
  const b = new Float32Array(N);
  const z = new Float32Array(N);
  const pi: number[] = [];
  const pj: number[] = [];
  const pw: number[] = [];
  const fm = new Uint8Array(Af);
  const bm = new Uint8Array(Ab);
  let pairTotal = 0;
  batch.forEach((traj, k) => {
    const base = k * L;
    const rows = rowsOf(traj);
    const last = traj.states.length - 1;
    const ctx: RowContext = {
      rows,
      done: traj.done,
      energy: (r) => traj.energies[Math.min(r, last)],
      logReward: -traj.energies[last],
      sink: traj.exited,
    };
    for (let r = 0; r < rows; r++) {
      const row = base + r;
      const c = rule.row(ctx, r);
      a[row] = c.a;
      b[row] = c.b;
      z[row] = c.z;
      if (r > last) continue; // the sink: no input, no actions
      const s = traj.states[r];
      env.encode(s, x, row * D);
      env.forwardMask(s, fm, 0);
      for (let i = 0; i < Af; i++) fmask[row * Af + i] = fm[i] ? 0 : MASKED_LOGIT;
      if (r < traj.actions.length) {
        const act = traj.actions[r];
        if (!fm[act]) throw new GradlocError('BAD_INPUT', `trajectory ${k}: action ${act} is not valid at step ${r}`);
        fsel[row * Af + act] = 1;
      }
      if (r > 0) {
        const parents = env.backwardMask(s, bm, 0);
        for (let i = 0; i < Ab; i++) bmask[row * Ab + i] = bm[i] ? 0 : MASKED_LOGIT;
        bsel[row * Ab + env.backwardOf(traj.states[r - 1], traj.actions[r - 1])] = 1;
        pbUniform[row] = -Math.log(parents);
      }
    }
    const pairs = rule.pairs(ctx);
    const scale = rule.normalize === 'trajectories' ? 1 / B : 1;
    for (const p of pairs) {
      pi.push(base + p.i);
      pj.push(base + p.j);
      pw.push(p.w * scale);
    }
    pairTotal += pairs.length;
  });
  if (rule.normalize === 'pairs') for (let i = 0; i < pw.length; i++) pw[i] /= pairTotal;
  return {
    x: float32([B, L, D], x),
    forward_mask: float32([B, L, Af], fmask),
    forward_taken: float32([B, L, Af], fsel),
    backward_mask: float32([B, L, Ab], bmask),
    backward_taken: float32([B, L, Ab], bsel),
    backward_uniform: float32([B, L], pbUniform),
    flow_a: float32([B, L], a),
    flow_b: float32([B, L], b),
    flow_z: float32([B, L], z),
    pair_i: int64([pi.length], pi),
    pair_j: int64([pj.length], pj),
    pair_w: float32([pw.length], pw),
  };
}
