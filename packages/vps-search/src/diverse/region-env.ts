/**
 * Region subsets of one image as a GFlowNet environment: a state is a set of sub-regions, a
 * terminal state has `size` of them, and the energy of EVERY set is E(S) = -beta log F(S), F
 * the VPS objective l1 s_ins(S) + l2 (1 - s_del(S)) - so the forward-looking losses get credit
 * at each added region. Energies are computed through the detector in batches (SetEvaluator,
 * its batch size) and cached: a set is never scored twice, and `forwardPasses` is the cost.
 */
import { SubsetEnv, type State } from '@gradloc/gflownet';
import type { SetEvaluator } from '../search/evaluator.js';

/** F below this is treated as this (log of 0 is not an energy). */
const F_FLOOR = 1e-6;

export interface SetScore {
  readonly value: number;
  readonly insertion: number;
  readonly deletion: number;
}

export class RegionSetEnv extends SubsetEnv {
  private readonly cache = new Map<string, SetScore>();

  constructor(
    readonly evaluator: SetEvaluator,
    size: number,
    /** Inverse temperature: R(S) = F(S)^beta. */
    readonly beta: number,
  ) {
    super(evaluator.regions.count, size, 'vps-regions');
  }

  /** Scores of a set already evaluated (undefined if it never was). */
  score(s: State): SetScore | undefined {
    return this.cache.get(this.key(s));
  }

  /** Number of distinct sets scored. */
  get scored(): number {
    return this.cache.size;
  }

  async energies(states: readonly State[]): Promise<Float64Array> {
    const fresh = new Map<string, State>();
    for (const s of states) {
      const k = this.key(s);
      if (!this.cache.has(k)) fresh.set(k, s);
    }
    if (fresh.size > 0) {
      const keys = [...fresh.keys()];
      const r = await this.evaluator.evaluate(keys.map((k) => Uint8Array.from(fresh.get(k)!)));
      keys.forEach((k, i) => this.cache.set(k, { value: r.value[i], insertion: r.insertion[i], deletion: r.deletion[i] }));
    }
    return Float64Array.from(states, (s) => -this.beta * Math.log(Math.max(F_FLOOR, this.cache.get(this.key(s))!.value)));
  }
}
