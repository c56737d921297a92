/**
 * Coarse-to-fine greedy: greedy over groups of neighbouring regions first (groups.ts), then
 * greedy inside each group, in the groups' order, each inside step scored with every earlier
 * group already in the set. Without deferral (below), n regions in G groups of m = n / G cost
 * about G(G + 1) + G(m(m + 1) - 2) forward passes instead of plain greedy's n(n + 1): for 64
 * regions in 16 groups, 560 instead of 4160. The last region of a group needs no pass of its
 * own (the set with the whole group was scored when the group was chosen). Deferred members
 * re-enter the pool as a group, which costs more passes.
 *
 * The idea: VPS's gains are not submodular because a region counts more once its neighbours
 * are in (lazy greedy's stale bounds miss that; see the README); a group of neighbours is
 * scored as a whole, so an object's parts come in together. Its order is still somewhat worse
 * than plain greedy's on the shipped grounder; the shortlist search (shortlist.ts, the
 * default) comes closer to plain greedy at fewer passes (README "Searches compared").
 */
import { SetEvaluator, withRegion } from './evaluator.js';
import { groupRegions } from './groups.js';
import { emptySetScores } from './greedy.js';
import type { SearchControl, SearchResult, SearchStep } from './types.js';

/** Regions per group by default. */
export const DEFAULT_GROUP_SIZE = 4;

export interface CoarseToFineOptions extends SearchControl {
  /** Regions per group (default 4): the number of groups is round(n / groupSize). */
  readonly groupSize?: number;
  /** Members of a chosen group that no longer raise F go back to the pool as one group (default true). */
  readonly defer?: boolean;
}

interface Scored {
  readonly value: number;
  readonly insertion: number;
  readonly deletion: number;
}

/** The best of `candidates` added to `set` (ties to the first), and its scores. */
async function bestOf(ev: SetEvaluator, set: Uint8Array, candidates: readonly (readonly number[])[]): Promise<{ index: number; scores: Scored }> {
  const sets = candidates.map((members) => {
    const s = new Uint8Array(set);
    for (const r of members) s[r] = 1;
    return s;
  });
  const s = await ev.evaluate(sets);
  let best = 0;
  for (let i = 1; i < sets.length; i++) if (s.value[i] > s.value[best]) best = i;
  return { index: best, scores: { value: s.value[best], insertion: s.insertion[best], deletion: s.deletion[best] } };
}

export async function coarseToFineSearch(ev: SetEvaluator, control: CoarseToFineOptions = {}): Promise<SearchResult> {
  const t0 = performance.now();
  const n = ev.regions.count;
  const total = Math.min(n, control.maxSteps ?? n);
  const initial = await emptySetScores(ev);
  const size = control.groupSize ?? DEFAULT_GROUP_SIZE;
  if (!(Number.isInteger(size) && size >= 1)) throw new RangeError(`groupSize must be a positive integer (got ${size})`);
  const groups = groupRegions(ev.regions, n / size);
  let set: Uint8Array = new Uint8Array(n);
  const order: number[] = [];
  const steps: SearchStep[] = [];
  const remaining = [...groups];
  while (order.length < total && remaining.length > 0) {
    let before = ev.forwardPasses;
    const pick = remaining.length === 1 ? { index: 0, scores: undefined } : await bestOf(ev, set, remaining);
    const members = remaining.splice(pick.index, 1)[0];
    let passes = ev.forwardPasses - before;
    // inside the group: greedy while a member still raises F; the members that do not go back
    // to the pool as one group (a group mixes an object's parts with background; without this
    // the background would come before the next group's object parts). The last member takes
    // the whole group's scores, and a group always gives at least one region.
    const left = [...members];
    let current = steps.length > 0 ? steps[steps.length - 1].value : initial.value;
    while (left.length > 0 && order.length < total) {
      before = ev.forwardPasses;
      let region: number;
      let scores: Scored;
      if (left.length === 1 && pick.scores) {
        region = left[0];
        scores = pick.scores;
      } else {
        const inner = await bestOf(ev, set, left.map((r) => [r]));
        region = left[inner.index];
        scores = inner.scores;
      }
      if (control.defer !== false && left.length < members.length && scores.value <= current) {
        remaining.push(left);
        break;
      }
      left.splice(left.indexOf(region), 1);
      set = withRegion(set, region);
      order.push(region);
      current = scores.value;
      // the group's choice is charged to its first region
      steps.push({ region, ...scores, forwardPasses: ev.forwardPasses - before + passes });
      passes = 0;
      control.onProgress?.(order.length, total);
    }
  }
  return { order, steps, initial, forwardPasses: ev.forwardPasses, ms: performance.now() - t0 };
}
