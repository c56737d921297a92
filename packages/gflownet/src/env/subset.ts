/**
 * Subsets of `items` built one item at a time, done at `size` items (no exit action): the
 * structure of the set task and of vps-search's region sets. A subclass supplies `energies`.
 * A state is a 0/1 vector over the items, which is also the policy's input; backward action i
 * removes item i.
 */
import { GradlocError } from '@gradloc/tensor-backend';
import type { Enumerable, Environment, State } from './types.js';

export abstract class SubsetEnv implements Environment, Enumerable {
  readonly inputSize: number;
  readonly forwardActions: number;
  readonly backwardActions: number;
  readonly exitAction = -1;

  constructor(
    readonly items: number,
    readonly size: number,
    readonly name: string,
  ) {
    if (!Number.isInteger(items) || items < 1) throw new GradlocError('BAD_INPUT', `${name}: at least one item is needed, got ${items}`);
    if (!Number.isInteger(size) || size < 1 || size > items) throw new GradlocError('BAD_INPUT', `${name}: size must be an integer in [1, ${items}], got ${size}`);
    this.inputSize = items;
    this.forwardActions = items;
    this.backwardActions = items;
  }

  abstract energies(states: readonly State[]): Float64Array | Promise<Float64Array>;

  initial(): State {
    return new Int32Array(this.items);
  }

  encode(s: State, out: Float32Array, offset: number): void {
    for (let i = 0; i < this.items; i++) out[offset + i] = s[i];
  }

  forwardMask(s: State, out: Uint8Array, offset: number): number {
    const full = this.count(s) >= this.size;
    let n = 0;
    for (let i = 0; i < this.items; i++) {
      const ok = !full && s[i] === 0;
      out[offset + i] = ok ? 1 : 0;
      if (ok) n++;
    }
    return n;
  }

  backwardMask(s: State, out: Uint8Array, offset: number): number {
    let n = 0;
    for (let i = 0; i < this.items; i++) {
      out[offset + i] = s[i];
      n += s[i];
    }
    return n;
  }

  step(s: State, a: number): State {
    if (!(a >= 0 && a < this.items) || s[a] !== 0) throw new GradlocError('BAD_INPUT', `${this.name}: item ${a} is already in the set or out of range`);
    const c = s.slice();
    c[a] = 1;
    return c;
  }

  backwardOf(_s: State, a: number): number {
    return a;
  }

  key(s: State): string {
    return s.join('');
  }

  terminalCount(): number {
    let c = 1;
    for (let k = 1; k <= this.size; k++) c = (c * (this.items - this.size + k)) / k;
    return Math.round(c);
  }

  /** Every set of `size` items (C(items, size) of them: keep it small). */
  terminals(): State[] {
    const out: State[] = [];
    const pick = (from: number, left: number, s: Int32Array): void => {
      if (left === 0) {
        out.push(s.slice());
        return;
      }
      for (let i = from; i <= this.items - left; i++) {
        s[i] = 1;
        pick(i + 1, left - 1, s);
        s[i] = 0;
      }
    };
    pick(0, this.size, new Int32Array(this.items));
    return out;
  }

  /** Items in `s`. */
  count(s: State): number {
    let n = 0;
    for (let i = 0; i < this.items; i++) n += s[i];
    return n;
  }

  /** The items of `s`, ascending. */
  members(s: State): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.items; i++) if (s[i]) out.push(i);
    return out;
  }
}
