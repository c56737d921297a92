/**
 * Windows for perplexity that score every next-token target of a stream exactly once.
 *
 * A stream of N tokens has N-1 targets (target j is token j+1 given tokens 0..j). Windows of
 * length T start at 0, stride, 2*stride, ...; each scores only the targets no earlier window
 * scored (positions scoreFrom..T-1 of the window), so with stride < T every scored token after
 * the first window sees at least T-stride tokens of context. The last window is shifted back
 * to end exactly at the stream's end instead of being padded, so every window has the full
 * length T (one static [B, T] shape, no padding or masks) and the shift only adds context.
 *
 *   perplexity = exp(sum of -log p(target) over scored positions / (N - 1))
 */
import { GradlocError, type Tensor } from '@gradloc/tensor-backend';
import { lastWindowStart, stackWindows, type WindowPair } from './lm-windows.js';

export interface EvalWindow {
  /** Stream offset of the window's first input token. */
  readonly start: number;
  /** First scored position inside the window; positions scoreFrom..T-1 are scored. */
  readonly scoreFrom: number;
}

export interface EvalPlan {
  readonly tokens: Int32Array;
  readonly context: number;
  readonly stride: number;
  readonly windows: readonly EvalWindow[];
  /** Targets scored over all windows: tokens.length - 1, the perplexity denominator. */
  readonly predicted: number;
}

export interface EvalBatch extends WindowPair {
  readonly windows: readonly EvalWindow[];
}

/** Windows covering targets 0..tokens.length-2 once each; `stride` defaults to `context` (no overlap). */
export function planEvalWindows(tokens: Int32Array, context: number, stride = context): EvalPlan {
  const last = lastWindowStart(tokens.length, context);
  if (!(Number.isInteger(stride) && stride >= 1 && stride <= context)) throw new GradlocError('BAD_INPUT', `stride must be an integer in [1, ${context}], got ${stride}`);
  const predicted = tokens.length - 1;
  const windows: EvalWindow[] = [];
  // `covered` = targets scored so far; the loop ends when all N-1 are.
  for (let s = 0, covered = 0; covered < predicted; s += stride) {
    const start = Math.min(s, last);
    windows.push({ start, scoreFrom: covered - start });
    covered = start + context;
  }
  return { tokens, context, stride, windows, predicted };
}

/** The plan's windows stacked `batch` at a time (the last batch may be smaller). */
export function* evalBatches(plan: EvalPlan, batch: number): Generator<EvalBatch> {
  if (!(Number.isInteger(batch) && batch >= 1)) throw new GradlocError('BAD_INPUT', `batch must be a positive integer, got ${batch}`);
  for (let i = 0; i < plan.windows.length; i += batch) {
    const windows = plan.windows.slice(i, i + batch);
    yield { windows, ...stackWindows(plan.tokens, windows.map((w) => w.start), plan.context) };
  }
}

/**
 * Summed negative log-likelihood (natural log) of a batch's scored targets, from float logits
 * [B, T, V] of a causal LM, with a max-shifted log-sum-exp in float64.
 */
export function scoredNll(batch: EvalBatch, logits: Tensor): { nll: number; count: number } {
  const [B, T] = batch.targets.dims;
  const [lb, lt, V] = logits.dims;
  if (logits.dims.length !== 3 || lb !== B || lt !== T) {
    throw new GradlocError('SHAPE_MISMATCH', `logits [${logits.dims.join(', ')}] do not match targets [${B}, ${T}, vocab]`);
  }
  if (logits.dtype !== 'float32' && logits.dtype !== 'float64') throw new GradlocError('DTYPE_MISMATCH', `logits must be float32 or float64, got ${logits.dtype}`);
  const x = logits.data as Float32Array | Float64Array;
  let nll = 0;
  let count = 0;
  for (let b = 0; b < B; b++) {
    for (let t = batch.windows[b].scoreFrom; t < T; t++) {
      const row = (b * T + t) * V;
      let max = -Infinity;
      for (let v = 0; v < V; v++) if (x[row + v] > max) max = x[row + v];
      let sum = 0;
      for (let v = 0; v < V; v++) sum += Math.exp(x[row + v] - max);
      const target = Number(batch.targets.data[b * T + t]);
      nll += max + Math.log(sum) - x[row + target];
      count++;
    }
  }
  return { nll, count };
}
