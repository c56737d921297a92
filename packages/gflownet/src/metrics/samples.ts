/**
 * Metrics of the sampled terminal states over training (the authors' protocol): every unique
 * terminal state sampled on-policy is remembered with its reward; the mean reward of the best
 * 100 of them, and the number of modes (terminal states with E(x) at most the environment's
 * mode energy) found so far.
 */
import type { Environment } from '../env/types.js';
import { terminalOf, type Trajectory } from '../sample/trajectory.js';

export class SampleStats {
  private readonly seen = new Map<string, number>();
  private top: number[] = [];
  private modeCount = 0;

  constructor(
    private readonly env: Environment,
    private readonly modeEnergy = Number.NaN,
    private readonly k = 100,
  ) {}

  /** Records the terminal states of done trajectories. */
  add(batch: readonly Trajectory[]): void {
    for (const t of batch) {
      if (!t.done) continue;
      const key = this.env.key(terminalOf(t));
      if (this.seen.has(key)) continue;
      const e = t.energies[t.energies.length - 1];
      this.seen.set(key, e);
      if (e <= this.modeEnergy) this.modeCount++;
      const r = Math.exp(-e);
      if (this.top.length < this.k || r > this.top[this.top.length - 1]) {
        this.top.push(r);
        this.top.sort((a, b) => b - a);
        if (this.top.length > this.k) this.top.pop();
      }
    }
  }

  /** Mean reward of the best k unique terminal states so far (NaN before any). */
  get topMean(): number {
    return this.top.length === 0 ? Number.NaN : this.top.reduce((a, b) => a + b, 0) / this.top.length;
  }

  get modes(): number {
    return this.modeCount;
  }

  get unique(): number {
    return this.seen.size;
  }
}
