/**
 * An independent float64 computation of the five losses for the tests: the MLP evaluated in
 * plain JS from the weights, then each loss written the way the papers and torchgfn write it
 * (per trajectory, per transition, explicit sums), not through the graph's running-sum form.
 */
import type { Environment, Trajectory } from '../src/index.js';

export type Weights = ReadonlyMap<string, ArrayLike<number>>;

/** Policy output rows of `states` (float64). */
export function mlp(env: Environment, w: Weights, x: Float32Array, layers: number): Float64Array[] {
  const rows = x.length / env.inputSize;
  const out: Float64Array[] = [];
  for (let r = 0; r < rows; r++) {
    let h = Float64Array.from(x.subarray(r * env.inputSize, (r + 1) * env.inputSize));
    for (let l = 0; l < layers; l++) {
      const W = w.get(`policy.${l}.weight`)!;
      const b = w.get(`policy.${l}.bias`)!;
      const dout = b.length;
      const next = new Float64Array(dout);
      for (let j = 0; j < dout; j++) {
        let s = b[j];
        for (let i = 0; i < h.length; i++) s += h[i] * W[i * dout + j];
        next[j] = l + 1 < layers ? (s >= 0 ? s : 0.01 * s) : s;
      }
      h = next;
    }
    out.push(h);
  }
  return out;
}

function logSoftmaxAt(logits: ArrayLike<number>, from: number, mask: Uint8Array, pick: number): number {
  let max = -Infinity;
  for (let i = 0; i < mask.length; i++) if (mask[i]) max = Math.max(max, logits[from + i]);
  let z = 0;
  for (let i = 0; i < mask.length; i++) if (mask[i]) z += Math.exp(logits[from + i] - max);
  return logits[from + pick] - max - Math.log(z);
}

export interface ReferenceOptions {
  readonly loss: 'tb' | 'db' | 'fldb' | 'subtb' | 'flsubtb';
  readonly lambda?: number;
  readonly uniformBackward?: boolean;
  readonly layers: number;
}

export function referenceLoss(env: Environment, w: Weights, batch: readonly Trajectory[], o: ReferenceOptions): number {
  const fl = o.loss === 'fldb' || o.loss === 'flsubtb';
  const logZ = w.get('log_z')![0];
  const Af = env.forwardActions;
  const Ab = env.backwardActions;
  const per: { sq: number[]; w: number[] }[] = [];
  let transitions = 0;
  for (const t of batch) {
    const x = new Float32Array(t.states.length * env.inputSize);
    t.states.forEach((s, i) => env.encode(s, x, i * env.inputSize));
    const out = mlp(env, w, x, o.layers);
    const fm = new Uint8Array(Af);
    const bm = new Uint8Array(Ab);
    // per transition k: log PF, log PB, and the flows at both ends
    const logPF: number[] = [];
    const logPB: number[] = [];
    for (let k = 0; k < t.actions.length; k++) {
      env.forwardMask(t.states[k], fm, 0);
      logPF.push(logSoftmaxAt(out[k], 0, fm, t.actions[k]));
      if (t.actions[k] === env.exitAction) {
        logPB.push(0);
        continue;
      }
      const parents = env.backwardMask(t.states[k + 1], bm, 0);
      const back = env.backwardOf(t.states[k], t.actions[k]);
      logPB.push(o.uniformBackward ? -Math.log(parents) : logSoftmaxAt(out[k + 1], Af, bm, back));
    }
    const n = t.actions.length;
    const last = t.states.length - 1;
    const logR = -t.energies[last];
    // log F at position k = 0..n (position n is the terminal state or the sink)
    const flow = (k: number): number => {
      if (t.done && k === n) return logR;
      const net = out[k][Af + Ab];
      return fl ? net - t.energies[k] : net;
    };
    transitions += n;
    if (o.loss === 'tb') {
      const sum = logPF.reduce((a, b) => a + b, 0) - logPB.reduce((a, b) => a + b, 0);
      per.push({ sq: [(logZ + sum - logR) ** 2], w: [1] });
    } else if (o.loss === 'db' || o.loss === 'fldb') {
      const sq = logPF.map((pf, k) => (flow(k) + pf - flow(k + 1) - logPB[k]) ** 2);
      per.push({ sq, w: sq.map(() => 1) });
    } else {
      const lambda = o.lambda ?? 0.9;
      const sq: number[] = [];
      const ws: number[] = [];
      for (let i = 0; i < n; i++) {
        for (let j = i + 1; j <= n; j++) {
          let d = flow(i) - flow(j);
          for (let k = i; k < j; k++) d += logPF[k] - logPB[k];
          sq.push(d * d);
          ws.push(lambda ** (j - i - 1));
        }
      }
      const total = ws.reduce((a, b) => a + b, 0);
      per.push({ sq, w: ws.map((v) => v / total) });
    }
  }
  if (o.loss === 'db' || o.loss === 'fldb') return per.reduce((s, p) => s + p.sq.reduce((a, b) => a + b, 0), 0) / transitions;
  return per.reduce((s, p) => s + p.sq.reduce((a, v, i) => a + v * p.w[i], 0), 0) / batch.length;
}
