/**
 * Convergence comparison of the objectives (`gradloc gfn bench`): each method trained with
 * several seeds on the same environment and step budget; per method, the median over seeds of
 * the metric at every curve point and of the steps each seed needed to reach the threshold.
 * The metric is the exact L1 on enumerable environments (lower is better), else the mean
 * reward of the top-100 unique on-policy samples (higher is better), as the authors score sets.
 */
import { GradlocError, median } from '@gradloc/tensor-backend';
import { envByName } from '../env/presets.js';
import { isExact } from '../env/types.js';
import { isLossName, LOSS_NAMES, type LossName, type TerminalFlow } from '../loss/rules.js';
import { EPSILON_DEFAULTS, trainGFlowNet, type CurvePoint } from '../train/train.js';

export type MetricName = 'l1' | 'top100';

/** Thresholds of steps-to-threshold: L1 <= 0.05 (the figure), top-100 mean >= 0.2 on set-small. */
export const THRESHOLD_DEFAULTS: Readonly<Record<MetricName, number>> = { l1: 0.05, top100: 0.2 };

export interface CompareOptions {
  readonly env: string;
  readonly methods: readonly string[];
  readonly seeds?: number;
  /** First seed (default 0): seeds are first .. first + seeds - 1. */
  readonly firstSeed?: number;
  readonly steps?: number;
  readonly evalEvery?: number;
  readonly threshold?: number;
  /** Share of each batch cut short (forward-looking methods only). */
  readonly incomplete?: number;
  /** Exploration for every method (default: EPSILON_DEFAULTS per method). */
  readonly epsilon?: number;
  readonly batch?: number;
  /** Terminal flow of the forward-looking losses (default 'reward'; 'learned' = the authors' set code). */
  readonly terminalFlow?: TerminalFlow;
  readonly onRun?: (method: string, seed: number, seconds: number) => void;
}

export interface MethodReport {
  readonly env: string;
  readonly method: LossName;
  readonly incomplete: number;
  readonly epsilon: number;
  readonly metric: MetricName;
  readonly threshold: number;
  readonly seeds: readonly number[];
  readonly steps: number;
  /** Median over seeds at each curve point. */
  readonly curve: readonly { readonly step: number; readonly value: number; readonly modes: number }[];
  /** Median over seeds of the first curve step meeting the threshold (null: not met by half of the seeds). */
  readonly steps_to_threshold: number | null;
  readonly per_seed_steps_to_threshold: readonly (number | null)[];
  readonly final: number;
  readonly trajectories_per_sec: number;
}

/** Median of steps where a seed that never met the threshold counts as infinitely many. */
function medianSteps(xs: readonly (number | null)[]): number | null {
  const m = median(xs.map((x) => x ?? Number.POSITIVE_INFINITY));
  return Number.isFinite(m) ? m : null;
}

export function parseMethods(list: readonly string[]): LossName[] {
  const bad = list.filter((m) => !isLossName(m));
  if (bad.length > 0) throw new GradlocError('BAD_INPUT', `unknown method${bad.length > 1 ? 's' : ''} ${bad.join(', ')} (known: ${LOSS_NAMES.join(', ')})`);
  if (list.length === 0) throw new GradlocError('BAD_INPUT', 'no method given');
  return list as LossName[];
}

export async function compareMethods(opts: CompareOptions, onReport?: (r: MethodReport) => void): Promise<MethodReport[]> {
  const methods = parseMethods(opts.methods);
  const seeds = opts.seeds ?? 3;
  if (!Number.isInteger(seeds) || seeds < 1) throw new GradlocError('BAD_INPUT', `seeds must be an integer >= 1, got ${seeds}`);
  const first = opts.firstSeed ?? 0;
  const probe = envByName(opts.env);
  const metric: MetricName = isExact(probe) ? 'l1' : 'top100';
  const threshold = opts.threshold ?? THRESHOLD_DEFAULTS[metric];
  const value = (p: CurvePoint): number => (metric === 'l1' ? p.l1! : p.topMean);
  const meets = (v: number): boolean => (metric === 'l1' ? v <= threshold : v >= threshold);
  const out: MethodReport[] = [];
  for (const method of methods) {
    const incomplete = method === 'fldb' || method === 'flsubtb' ? (opts.incomplete ?? 0) : 0;
    const epsilon = opts.epsilon ?? EPSILON_DEFAULTS[method];
    const curves: (readonly CurvePoint[])[] = [];
    const speeds: number[] = [];
    for (let s = first; s < first + seeds; s++) {
      const r = await trainGFlowNet({ env: envByName(opts.env), loss: method, seed: s, steps: opts.steps, evalEvery: opts.evalEvery, incomplete, epsilon, batch: opts.batch, terminalFlow: method === 'fldb' || method === 'flsubtb' ? opts.terminalFlow : undefined });
      curves.push(r.curve);
      speeds.push(r.trajectoriesPerSec);
      opts.onRun?.(method, s, r.seconds);
    }
    const perSeed = curves.map((c) => c.find((p) => p.step > 0 && meets(value(p)))?.step ?? null);
    const curve = curves[0].map((p, i) => ({ step: p.step, value: median(curves.map((c) => value(c[i]))), modes: median(curves.map((c) => c[i].modes)) }));
    const report: MethodReport = {
      env: opts.env,
      method,
      incomplete,
      epsilon,
      metric,
      threshold,
      seeds: Array.from({ length: seeds }, (_, i) => first + i),
      steps: curves[0][curves[0].length - 1].step,
      curve,
      steps_to_threshold: medianSteps(perSeed),
      per_seed_steps_to_threshold: perSeed,
      final: curve[curve.length - 1].value,
      trajectories_per_sec: median(speeds),
    };
    out.push(report);
    onReport?.(report);
  }
  return out;
}
