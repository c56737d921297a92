/**
 * Next-token windows over any token stream. A window starting at s has inputs
 * tokens[s, s+T) and targets tokens[s+1, s+T+1), so the stream needs at least T+1 tokens and
 * a start can be 0 .. length-T-1. Windows may cross document boundaries; the `<doc>` token
 * in the stream tells the model where a new document begins (as in GPT-2 training).
 */
import { GradlocError, rng, tensor, type Tensor } from '@gradloc/tensor-backend';

export interface WindowPair {
  /** int64 [B, T] */
  readonly inputIds: Tensor<'int64'>;
  /** int64 [B, T]; targets[b, t] = inputIds[b, t + 1] within the stream. */
  readonly targets: Tensor<'int64'>;
}

export interface LmBatch extends WindowPair {
  /** 0-based step index (with `startStep`, the first batch is that step). */
  readonly step: number;
  /** Stream offset of each row. */
  readonly starts: readonly number[];
}

export interface RandomWindowOptions {
  readonly context: number;
  readonly batch: number;
  readonly seed: number;
  /** First step to produce (resume a run); earlier steps' draws are skipped, not stored. */
  readonly startStep?: number;
  /** Number of batches; default unbounded (the caller breaks out of the loop). */
  readonly steps?: number;
}

/** Largest window start, after checking the stream holds one window. */
export function lastWindowStart(length: number, context: number): number {
  if (!(Number.isInteger(context) && context >= 1)) throw new GradlocError('BAD_INPUT', `context must be a positive integer, got ${context}`);
  if (length < context + 1) throw new GradlocError('BAD_INPUT', `a stream of ${length} tokens has no window of context ${context} (needs ${context + 1})`);
  return length - context - 1;
}

/** The [B, T] input/target pair for windows at `starts`. */
export function stackWindows(tokens: Int32Array, starts: readonly number[], context: number): WindowPair {
  const last = lastWindowStart(tokens.length, context);
  const inputs = new BigInt64Array(starts.length * context);
  const targets = new BigInt64Array(starts.length * context);
  starts.forEach((s, b) => {
    if (!(Number.isInteger(s) && s >= 0 && s <= last)) throw new GradlocError('BAD_INPUT', `window start ${s} outside [0, ${last}]`);
    for (let t = 0; t < context; t++) {
      inputs[b * context + t] = BigInt(tokens[s + t]);
      targets[b * context + t] = BigInt(tokens[s + t + 1]);
    }
  });
  const dims = [starts.length, context];
  return { inputIds: tensor('int64', dims, inputs), targets: tensor('int64', dims, targets) };
}

/**
 * Uniformly random windows, deterministic in `seed`: one mulberry32 stream, B draws per step,
 * so step k is the same batch whether the run started at 0 or resumed at `startStep: k`.
 */
export function* randomWindowBatches(tokens: Int32Array, opts: RandomWindowOptions): Generator<LmBatch> {
  const { context, batch, seed, startStep = 0, steps = Infinity } = opts;
  if (!(Number.isInteger(batch) && batch >= 1)) throw new GradlocError('BAD_INPUT', `batch must be a positive integer, got ${batch}`);
  const span = lastWindowStart(tokens.length, context) + 1;
  const rand = rng(seed);
  for (let i = 0; i < startStep * batch; i++) rand();
  for (let step = startStep; step < startStep + steps; step++) {
    const starts = Array.from({ length: batch }, () => Math.floor(rand() * span));
    yield { step, starts, ...stackWindows(tokens, starts, context) };
  }
}
