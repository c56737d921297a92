/**
 * Plain greedy submodular search (VPS): at every step, F(S + v) is evaluated for every
 * remaining region v (in batches) and the best is added. Ties go to the lower region id, so
 * runs are deterministic.
 */
import { SetEvaluator, withRegion } from './evaluator.js';
import type { SearchControl, SearchResult, SearchStep } from './types.js';

/** The empty set's scores (2 forward passes): every search and curve starts from them. */
export async function emptySetScores(ev: SetEvaluator): Promise<SearchResult['initial']> {
  const empty = new Uint8Array(ev.regions.count);
  const insertion = ev.lambda1 !== 0 ? (await ev.scores([empty], true))[0] : Number.NaN;
  // deletion of nothing = the original image: always scored, the curves start there
  const deletion = (await ev.scores([empty], false))[0];
  return { insertion, deletion, value: ev.value(ev.lambda1 !== 0 ? insertion : 0, ev.lambda2 !== 0 ? deletion : 1) };
}

/**
 * One greedy step: F(S + v) for every candidate v, the best taken (ties to the first). Also
 * returns every candidate's value, for searches that keep them (shortlist.ts).
 */
export async function greedyStep(ev: SetEvaluator, set: Uint8Array, candidates: readonly number[]): Promise<{ step: SearchStep; values: readonly number[] }> {
  const before = ev.forwardPasses;
  const s = await ev.evaluate(candidates.map((r) => withRegion(set, r)));
  let best = 0;
  for (let i = 1; i < candidates.length; i++) if (s.value[i] > s.value[best]) best = i;
  const step = { region: candidates[best], value: s.value[best], insertion: s.insertion[best], deletion: s.deletion[best], forwardPasses: ev.forwardPasses - before };
  return { step, values: s.value };
}

export async function greedySearch(ev: SetEvaluator, control: SearchControl = {}): Promise<SearchResult> {
  const t0 = performance.now();
  const n = ev.regions.count;
  const total = Math.min(n, control.maxSteps ?? n);
  const initial = await emptySetScores(ev);
  let set: Uint8Array = new Uint8Array(n);
  const order: number[] = [];
  const steps: SearchStep[] = [];
  for (let k = 0; k < total; k++) {
    const { step } = await greedyStep(ev, set, [...Array(n).keys()].filter((r) => !set[r]));
    set = withRegion(set, step.region);
    order.push(step.region);
    steps.push(step);
    control.onProgress?.(k + 1, total);
  }
  return { order, steps, initial, forwardPasses: ev.forwardPasses, ms: performance.now() - t0 };
}
