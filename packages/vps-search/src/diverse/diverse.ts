/**
 * Diverse VPS explanations sampled by a GFlowNet. Greedy VPS returns ONE order of the regions;
 * here a forward-looking GFlowNet (FL-DB by default) learns, within a budget of detector
 * forward passes, to sample sets of `size` regions with probability proportional to
 * F(S)^beta, and returns k distinct high-scoring sets - different combinations of regions that
 * each keep the detection alive - with their scores and maps.
 *
 * Forward passes are the cost, not gradient steps: every scored set is cached (RegionSetEnv),
 * each sampled batch is followed by `updates` gradient steps, the extra ones on trajectories
 * replayed from a buffer (their energies are cached: free), and FL-DB learns from every
 * transition's energy difference. The last `reserve` share of the budget goes to on-policy
 * sampling; the k returned sets are the best sets drawn (training and on-policy) that differ
 * from each other by at least `minDistance` (Jaccard distance).
 */
import { GFlowNet, ReplayBuffer, terminalOf, type LossName, type Trajectory } from '@gradloc/gflownet';
import { GradlocError, type PlanarImage, type RuntimeOptions } from '@gradloc/tensor-backend';
import { regionMap, regionValues } from '../attribution.js';
import type { DetectionTarget, Detector } from '../detector/types.js';
import type { Regions } from '../regions/types.js';
import { baselineImage } from '../search/compose.js';
import { SetEvaluator, type Objective } from '../search/evaluator.js';
import { greedySearch } from '../search/greedy.js';
import { divide, type VpsOptions } from '../vps.js';
import { RegionSetEnv } from './region-env.js';

export interface DiverseOptions extends Objective, Pick<VpsOptions, 'regions' | 'division' | 'baseline' | 'batchSize'> {
  readonly detector: Detector;
  /** The image at the detector's size, planar [3, H, W] in [0, 1]. */
  readonly image: PlanarImage;
  readonly target: DetectionTarget;
  /** Explanations to return (default 4). */
  readonly k?: number;
  /** Regions per explanation (default: an eighth of the regions, at least 1). */
  readonly size?: number;
  /** Forward passes for training and sampling (default: what a full greedy order costs, 2 + n(n + 1)). */
  readonly budget?: number;
  /** Inverse temperature: sets are sampled in proportion to F(S)^beta (default 8). */
  readonly beta?: number;
  /** GFlowNet objective (default 'fldb'; needs an energy on every set, which F gives). */
  readonly loss?: LossName;
  /** Uniform exploration while training (default 0.5, the authors' FL-DB value). */
  readonly epsilon?: number;
  /** Trajectories per sampled batch (default 16). */
  readonly batch?: number;
  /** Gradient steps per sampled batch (default 32; all but the first on replayed trajectories, whose energies are cached). */
  readonly updates?: number;
  /**
   * The k sets returned: the best distinct sets the sampler drew (training and on-policy), each
   * at least this Jaccard distance from the better ones kept (default 0.5: two sets of 8 share
   * at most 5 regions); relaxed in order when too few qualify.
   */
  readonly minDistance?: number;
  /** Share of the budget kept for the final on-policy sampling (default 0.25). */
  readonly reserve?: number;
  readonly seed?: number;
  /** Also run greedy VPS for `size` steps, for comparison (its own forward passes). */
  readonly compareGreedy?: boolean;
  readonly runtime?: RuntimeOptions;
  readonly onProgress?: (forwardPasses: number, budget: number) => void;
}

export interface DiverseExplanation {
  /** The regions of the set, in the order the sampler added them. */
  readonly order: readonly number[];
  /** F(S), s_ins(S), s_del(S). */
  readonly value: number;
  readonly insertion: number;
  readonly deletion: number;
  /** Attribution [H * W] in [0, 1] at the detector's size: the set's regions, earlier ones weigh more (VPS's rule along this order); 0 elsewhere. */
  readonly map: Float32Array;
}

export interface GreedyComparison {
  /** Greedy VPS's first `size` regions and their F. */
  readonly order: readonly number[];
  readonly value: number;
  readonly forwardPasses: number;
}

export interface DiverseResult {
  /** Best first. */
  readonly explanations: readonly DiverseExplanation[];
  readonly regions: Regions;
  readonly size: number;
  /** Mean pairwise Jaccard distance 1 - |A n B| / |A u B| between the returned sets (0 for one). */
  readonly diversity: number;
  /** Detector forward passes: 2 per distinct set scored (the empty set included; 1 when a lambda is 0). */
  readonly forwardPasses: number;
  /** Distinct region sets scored. */
  readonly setsScored: number;
  /** Gradient steps taken. */
  readonly updates: number;
  /** Distinct terminal sets among the on-policy samples. */
  readonly distinctSamples: number;
  readonly ms: number;
  readonly greedy?: GreedyComparison;
}

/** Jaccard distance 1 - |A n B| / |A u B| of two region sets (0 for two empty ones). */
export function jaccardDistance(a: readonly number[], b: readonly number[]): number {
  const A = new Set(a);
  const inter = b.filter((r) => A.has(r)).length;
  const union = A.size + b.length - inter;
  return union === 0 ? 0 : 1 - inter / union;
}

/** Mean pairwise Jaccard distance of region sets (0 for fewer than two). */
export function meanJaccardDistance(sets: readonly (readonly number[])[]): number {
  if (sets.length < 2) return 0;
  let sum = 0;
  let pairs = 0;
  for (let a = 0; a < sets.length; a++) {
    for (let b = a + 1; b < sets.length; b++) {
      sum += jaccardDistance(sets[a], sets[b]);
      pairs++;
    }
  }
  return sum / pairs;
}

function positiveInt(name: string, v: number, max = Number.MAX_SAFE_INTEGER): number {
  if (!Number.isInteger(v) || v < 1 || v > max) throw new GradlocError('BAD_INPUT', `diverse VPS: ${name} must be an integer in [1, ${max}], got ${v}`);
  return v;
}

export async function diverseSearch(o: DiverseOptions): Promise<DiverseResult> {
  const t0 = performance.now();
  const regions = divide(o.image, o.regions, o.division);
  const n = regions.count;
  const k = positiveInt('k', o.k ?? 4);
  const size = positiveInt('size', o.size ?? Math.max(1, Math.round(n / 8)), n);
  const budget = positiveInt('budget', o.budget ?? 2 + n * (n + 1));
  const batch = positiveInt('batch', o.batch ?? 16);
  const updates = positiveInt('updates', o.updates ?? 32);
  const beta = o.beta ?? 8;
  const reserve = o.reserve ?? 0.25;
  const minDistance = o.minDistance ?? 0.5;
  if (!(minDistance >= 0 && minDistance <= 1)) throw new GradlocError('BAD_INPUT', `diverse VPS: minDistance must be in [0, 1], got ${minDistance}`);
  if (!(beta > 0) || !Number.isFinite(beta)) throw new GradlocError('BAD_INPUT', `diverse VPS: beta must be a finite number > 0, got ${beta}`);
  if (!(reserve >= 0 && reserve < 1)) throw new GradlocError('BAD_INPUT', `diverse VPS: reserve must be in [0, 1), got ${reserve}`);
  const baseline = baselineImage(o.image, o.baseline ?? 'black');
  const ev = new SetEvaluator(o.detector, o.image, baseline, regions, o.target, o, o.batchSize ?? 32);
  const env = new RegionSetEnv(ev, size, beta);
  // the empty set's F (2 passes, cached for the sampler's first state): where the maps' gains start
  await env.energies([env.initial()]);
  const initialValue = env.score(env.initial())!.value;
  const gfn = new GFlowNet({ env, loss: o.loss ?? 'fldb', seed: o.seed ?? 0, runtime: o.runtime ?? { threads: 1 } });
  const replay = new ReplayBuffer(4096);
  const seen = new Map<string, Trajectory>();
  const remember = (ts: readonly Trajectory[]): void => {
    for (const t of ts) if (t.done && !seen.has(env.key(terminalOf(t)))) seen.set(env.key(terminalOf(t)), t);
  };
  let steps = 0;
  // A round that scores no new set costs nothing, so when the space of sets is small enough
  // that rounds keep drawing cached ones the budget cannot be spent: STALL such rounds in a
  // row end a phase.
  const STALL = 20;
  const progress = (): void => o.onProgress?.(Math.min(ev.forwardPasses, budget), budget);
  let idle = 0;
  try {
    while (ev.forwardPasses < budget * (1 - reserve) && idle < STALL) {
      const before = ev.forwardPasses;
      const fresh = await gfn.sample(batch, { epsilon: o.epsilon ?? 0.5 });
      remember(fresh);
      replay.add(fresh);
      await gfn.step(fresh);
      for (let u = 1; u < updates; u++) await gfn.step(replay.draw(batch, gfn.rand));
      steps += updates;
      idle = ev.forwardPasses === before ? idle + 1 : 0;
      progress();
    }
    // on-policy samples: distinct sets until 4k of them, the budget is spent, or nothing new comes
    const onPolicy = new Map<string, Trajectory>();
    idle = 0;
    for (;;) {
      const before = ev.forwardPasses;
      const distinct = onPolicy.size;
      for (const t of await gfn.sample(batch)) if (!onPolicy.has(env.key(terminalOf(t)))) onPolicy.set(env.key(terminalOf(t)), t);
      idle = ev.forwardPasses === before && onPolicy.size === distinct ? idle + 1 : 0;
      progress();
      if (onPolicy.size >= 4 * k || ev.forwardPasses >= budget || idle >= STALL) break;
    }
    remember([...onPolicy.values()]);
    const chosen = pickDiverse([...seen.values()], k, minDistance, (t) => env.score(terminalOf(t))!.value, (t) => env.members(terminalOf(t)));
    const explanations = chosen.map((t) => explanationOf(env, t, initialValue, regions));
    const greedy = o.compareGreedy ? await greedyPrefix(o, regions, baseline, size) : undefined;
    return {
      explanations,
      regions,
      size,
      diversity: meanJaccardDistance(explanations.map((e) => e.order)),
      forwardPasses: ev.forwardPasses,
      setsScored: env.scored,
      updates: steps,
      distinctSamples: onPolicy.size,
      ms: performance.now() - t0,
      greedy,
    };
  } finally {
    await gfn.release();
  }
}

/**
 * Up to k items, best first: each next one the best remaining whose Jaccard distance to every
 * kept one is at least `minDistance`; if fewer than k qualify, the best remaining fill up.
 */
export function pickDiverse<T>(items: readonly T[], k: number, minDistance: number, value: (t: T) => number, members: (t: T) => readonly number[]): T[] {
  const sorted = [...items].sort((a, b) => value(b) - value(a));
  const kept: T[] = [];
  for (const t of sorted) {
    if (kept.length >= k) break;
    if (kept.every((c) => jaccardDistance(members(c), members(t)) >= minDistance)) kept.push(t);
  }
  for (const t of sorted) {
    if (kept.length >= k) break;
    if (!kept.includes(t)) kept.push(t);
  }
  return kept.sort((a, b) => value(b) - value(a));
}

/** A sampled set as an explanation: its order, scores, and VPS's map along that order. */
function explanationOf(env: RegionSetEnv, t: Trajectory, initialValue: number, regions: Regions): DiverseExplanation {
  const order = t.actions.slice();
  const steps = t.states.slice(1).map((s, i) => {
    const sc = env.score(s)!;
    return { region: order[i], value: sc.value, insertion: sc.insertion, deletion: sc.deletion, forwardPasses: 0 };
  });
  const last = env.score(terminalOf(t))!;
  const values = regionValues({ order, steps, initial: { insertion: Number.NaN, deletion: Number.NaN, value: initialValue } }, regions.count);
  return { order, value: last.value, insertion: last.insertion, deletion: last.deletion, map: regionMap(regions, values) };
}

async function greedyPrefix(o: DiverseOptions, regions: Regions, baseline: Float32Array, size: number): Promise<GreedyComparison> {
  const ev = new SetEvaluator(o.detector, o.image, baseline, regions, o.target, o, o.batchSize ?? 32);
  const r = await greedySearch(ev, { maxSteps: size });
  return { order: r.order, value: r.steps[r.steps.length - 1].value, forwardPasses: ev.forwardPasses };
}
