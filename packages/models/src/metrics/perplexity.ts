/**
 * Perplexity of a causal language model over an evaluation plan (eval-windows.ts):
 *
 *   ppl = exp(sum of -ln p(target) over the scored positions / number of scored positions)
 *
 * Every target counts, `<unk>` included (the model is asked to predict `<unk>` like any word),
 * so numbers are comparable only between models sharing the tokenizer. One function serves
 * the zoo recipe's evaluation and `gradloc eval-ppl`, so the card and the CLI cannot drift.
 */
import { GradlocError, type Tensor } from '@gradloc/tensor-backend';
import { evalBatches, scoredNll, type EvalBatch, type EvalPlan } from '../data/brown/eval-windows.js';

/** Logits [B, T, V] for a batch of windows (the model under test). */
export type LogitsOf = (batch: EvalBatch) => Promise<Tensor>;

export interface PerplexityOptions {
  /** Windows per model run (default 32). */
  readonly batch?: number;
  /** Score at most this many windows, spread evenly over the plan (quick looks; default all). */
  readonly maxWindows?: number;
}

export interface PerplexityResult {
  readonly ppl: number;
  /** Summed negative log-likelihood (nats). */
  readonly nll: number;
  /** Targets scored (the denominator). */
  readonly predicted: number;
  /** Windows scored, and the plan's total (less only with maxWindows). */
  readonly windows: number;
  readonly totalWindows: number;
}

/**
 * `n` windows of the plan at evenly spaced indices, so a subset samples every genre of the
 * split instead of the first documents only. Each keeps its own scored range, so no target
 * is counted twice; `predicted` is recounted for the subset.
 */
export function subsetPlan(plan: EvalPlan, n: number): EvalPlan {
  if (!(Number.isInteger(n) && n >= 1)) throw new GradlocError('BAD_INPUT', `the window count must be a positive integer, got ${n}`);
  const total = plan.windows.length;
  if (n >= total) return plan;
  const windows = Array.from({ length: n }, (_, k) => plan.windows[Math.floor((k * total) / n)]);
  const predicted = windows.reduce((a, w) => a + plan.context - w.scoreFrom, 0);
  return { ...plan, windows, predicted };
}

export async function perplexity(plan: EvalPlan, logitsOf: LogitsOf, opts: PerplexityOptions = {}): Promise<PerplexityResult> {
  const scored = opts.maxWindows === undefined ? plan : subsetPlan(plan, opts.maxWindows);
  let nll = 0;
  let predicted = 0;
  for (const batch of evalBatches(scored, opts.batch ?? 32)) {
    const r = scoredNll(batch, await logitsOf(batch));
    nll += r.nll;
    predicted += r.count;
  }
  // The plan promises each target once; a mismatch would make the number meaningless.
  if (predicted !== scored.predicted) throw new GradlocError('RUNTIME_ERROR', `scored ${predicted} targets, the plan has ${scored.predicted}`);
  return { ppl: Math.exp(nll / predicted), nll, predicted, windows: scored.windows.length, totalWindows: plan.windows.length };
}
