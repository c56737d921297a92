/**
 * Set generation with an additive energy (Pan et al. 2023, the authors' set/gflownet.py): a
 * state is a subset of `items`, each forward action adds one absent item, and the set is done
 * when it holds `size` items (no exit action; every terminal set has exactly `size` items).
 * E(s) = sum of the chosen items' energies, so R(x) = prod exp(-e_a) and every intermediate
 * state has a meaningful energy: the forward-looking setting.
 */
import { GradlocError } from '@gradloc/tensor-backend';
import { SubsetEnv } from './subset.js';
import type { HasModes, State } from './types.js';

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

export class SetEnv extends SubsetEnv implements HasModes {
  readonly itemEnergies: Float64Array;
  /** Lowest energy of a terminal set (the `size` lowest item energies). */
  readonly minEnergy: number;
  readonly modeEnergy: number;

  constructor(opts: SetEnvOptions) {
    super(opts.energies.length, opts.size, opts.name ?? `set-${opts.energies.length}-${opts.size}`);
    const bad = opts.energies.findIndex((e) => !Number.isFinite(e));
    if (bad >= 0) throw new GradlocError('BAD_INPUT', `set environment: energy of item ${bad} is not finite (${opts.energies[bad]})`);
    this.itemEnergies = Float64Array.from(opts.energies);
    this.minEnergy = [...this.itemEnergies].sort((a, b) => a - b).slice(0, opts.size).reduce((a, b) => a + b, 0);
    this.modeEnergy = this.minEnergy + (opts.modeGap ?? 1);
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
}
