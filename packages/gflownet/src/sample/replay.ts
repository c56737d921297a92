/** A replay buffer of complete trajectories (first in, first out; drawn uniformly). */
import { GradlocError, type Rand } from '@gradloc/tensor-backend';
import type { Trajectory } from './trajectory.js';

export class ReplayBuffer {
  private readonly items: Trajectory[] = [];
  private next = 0;

  constructor(readonly capacity: number) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new GradlocError('BAD_INPUT', `replay capacity must be an integer >= 1, got ${capacity}`);
  }

  get size(): number {
    return this.items.length;
  }

  add(batch: readonly Trajectory[]): void {
    for (const t of batch) {
      if (this.items.length < this.capacity) this.items.push(t);
      else this.items[this.next] = t;
      this.next = (this.next + 1) % this.capacity;
    }
  }

  /** `n` trajectories drawn uniformly with replacement (fewer if the buffer is empty). */
  draw(n: number, rand: Rand): Trajectory[] {
    if (this.items.length === 0) return [];
    return Array.from({ length: n }, () => this.items[Math.floor(rand() * this.items.length)]);
  }
}
