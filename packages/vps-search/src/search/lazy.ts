/**
 * Lazy greedy (CELF, Leskovec et al. 2007): a candidate's last computed marginal gain
 * F(S + v) - F(S) is kept as an upper bound of its gain now. Each step re-evaluates only the
 * candidates with the highest bounds, a batch at a time, and stops as soon as the best fresh
 * gain is at least every stale bound. For a submodular F the bounds are valid and the order
 * equals plain greedy's; VPS's F is not guaranteed submodular, so the result reports the
 * forward passes saved and callers can compare orders (see the benchmark).
 */
import { SetEvaluator, withRegion } from './evaluator.js';
import { emptySetScores } from './greedy.js';
import type { SearchControl, SearchResult, SearchStep } from './types.js';

export async function lazyGreedySearch(ev: SetEvaluator, control: SearchControl = {}): Promise<SearchResult> {
  const t0 = performance.now();
  const n = ev.regions.count;
  const total = Math.min(n, control.maxSteps ?? n);
  const initial = await emptySetScores(ev);
  // each candidate costs up to 2 images; a batch of candidates fills one model run
  const perRun = Math.max(1, Math.floor(ev.batchSize / ((ev.lambda1 !== 0 ? 1 : 0) + (ev.lambda2 !== 0 ? 1 : 0))));
  const bound = new Float64Array(n).fill(Infinity);
  let set: Uint8Array = new Uint8Array(n);
  let current = initial.value;
  const order: number[] = [];
  const steps: SearchStep[] = [];
  for (let k = 0; k < total; k++) {
    const before = ev.forwardPasses;
    const fresh = new Map<number, { value: number; insertion: number; deletion: number }>();
    const stale = (): number[] =>
      [...Array(n).keys()].filter((r) => !set[r] && !fresh.has(r)).sort((a, b) => bound[b] - bound[a] || a - b);
    const bestFresh = (): number => {
      let best = -1;
      for (const [r, f] of fresh) if (best < 0 || f.value > fresh.get(best)!.value || (f.value === fresh.get(best)!.value && r < best)) best = r;
      return best;
    };
    for (;;) {
      const queue = stale();
      const best = bestFresh();
      if (best >= 0 && (queue.length === 0 || fresh.get(best)!.value - current >= bound[queue[0]])) break;
      const batch = queue.slice(0, perRun);
      const s = await ev.evaluate(batch.map((r) => withRegion(set, r)));
      batch.forEach((r, i) => {
        fresh.set(r, { value: s.value[i], insertion: s.insertion[i], deletion: s.deletion[i] });
        bound[r] = s.value[i] - current;
      });
    }
    const region = bestFresh();
    const chosen = fresh.get(region)!;
    set = withRegion(set, region);
    current = chosen.value;
    order.push(region);
    steps.push({ region, ...chosen, forwardPasses: ev.forwardPasses - before });
    control.onProgress?.(k + 1, total);
  }
  return { order, steps, initial, forwardPasses: ev.forwardPasses, ms: performance.now() - t0 };
}
