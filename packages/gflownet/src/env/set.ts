/**
 * Set generation with an additive energy (Pan et al. 2023, the authors' set/gflownet.py): a
 * state is a subset of `items`, each forward action adds one absent item, and the set is done
 * when it holds `size` items (no exit action; every terminal set has exactly `size` items).
 * E(s) = sum of the chosen items' energies, so R(x) = prod exp(-e_a) and every intermediate
 * state has a meaningful energy: the forward-looking setting. Backward action i removes item i.
 */
import { GradlocError } from '@gradloc/tensor-backend';
import type { Enumerable, Environment, HasModes, State } from './types.js';

export interface SetEnvOptions {
  /** Energy of each item (the number of items is its length). */
  readonly energies: readonly number[];
  /** Items in a terminal set. */
  readonly size: number;
  /** Name shown in reports (default `set-<items>-<size>`). */
  readonly name?: string;
  /** Terminal sets within this much energy of the best one are modes (default 1). */
  readonly modeGap?: number;
}

export class SetEnv implements Environment, Enumerable, HasModes {
  readonly name: string;
  readonly inputSize: number;
  readonly forwardActions: number;
  readonly backwardActions: number;
  readonly exitAction = -1;
  readonly items: number;
  readonly size: number;
  readonly itemEnergies: Float64Array;
  /** Lowest energy of a terminal set (the `size` lowest item energies). */
  readonly minEnergy: number;
  readonly modeEnergy: number;

  constructor(opts: SetEnvOptions) {
    const items = opts.energies.length;
    if (items < 1) throw new GradlocError('BAD_INPUT', 'set environment: at least one item energy is needed');
    if (!Number.isInteger(opts.size) || opts.size < 1 || opts.size > items) throw new GradlocError('BAD_INPUT', `set environment: size must be an integer in [1, ${items}], got ${opts.size}`);
    const bad = opts.energies.findIndex((e) => !Number.isFinite(e));
    if (bad >= 0) throw new GradlocError('BAD_INPUT', `set environment: energy of item ${bad} is not finite (${opts.energies[bad]})`);
    this.items = items;
    this.size = opts.size;
    this.name = opts.name ?? `set-${items}-${opts.size}`;
    this.inputSize = items;
    this.forwardActions = items;
    this.backwardActions = items;
    this.itemEnergies = Float64Array.from(opts.energies);
    this.minEnergy = [...this.itemEnergies].sort((a, b) => a - b).slice(0, opts.size).reduce((a, b) => a + b, 0);
    this.modeEnergy = this.minEnergy + (opts.modeGap ?? 1);
  }

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
    if (s[a] !== 0) throw new GradlocError('BAD_INPUT', `set environment: item ${a} is already in the set`);
    const c = s.slice();
    c[a] = 1;
    return c;
  }

  backwardOf(_s: State, a: number): number {
    return a;
  }

  energies(states: readonly State[]): Float64Array {
    const out = new Float64Array(states.length);
    states.forEach((s, k) => {
      let e = 0;
      for (let i = 0; i < this.items; i++) if (s[i]) e += this.itemEnergies[i];
      out[k] = e;
    });
    return out;
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

  private count(s: State): number {
    let n = 0;
    for (let i = 0; i < this.items; i++) n += s[i];
    return n;
  }
}
