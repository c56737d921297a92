/**
 * Labelled training batches from two token streams (forget, retain): each step draws the
 * source and label (labels.ts), then `batch` uniformly random windows of that source's
 * train stream. One seeded PRNG for labels and one per source for windows, so the same seed
 * gives the same batches whatever the method (SGTM, filtering, ... see the same data).
 */
import { rng, tensor, type Tensor } from '@gradloc/tensor-backend';
import { lastWindowStart, stackWindows, type DomainStreams } from '@gradloc/models';
import { checkRates, drawLabel, type BatchLabel, type LabelRates, type Source } from './labels.js';

export type { DomainStreams } from '@gradloc/models';

export interface LabelledLmBatch {
  /** 0-based batch index. */
  readonly index: number;
  readonly source: Source;
  readonly label: BatchLabel;
  readonly inputIds: Tensor<'int64'>;
  readonly targets: Tensor<'int64'>;
}

export interface BatchStreamOptions extends LabelRates {
  readonly context: number;
  readonly batch: number;
  readonly seed: number;
}

export function* labelledBatches(streams: DomainStreams, opts: BatchStreamOptions): Generator<LabelledLmBatch> {
  const rates = checkRates(opts);
  const labels = rng(opts.seed);
  const windows = { forget: rng(opts.seed * 2 + 1), retain: rng(opts.seed * 2 + 2) };
  const span = { forget: lastWindowStart(streams.forget.length, opts.context) + 1, retain: lastWindowStart(streams.retain.length, opts.context) + 1 };
  for (let index = 0; ; index++) {
    const { source, label } = drawLabel(labels, rates);
    const starts = Array.from({ length: opts.batch }, () => Math.floor(windows[source]() * span[source]));
    const pair = stackWindows(streams[source], starts, opts.context);
    yield { index, source, label, ...pair };
  }
}

/** Random windows of one stream (calibration, fine-tuning, RMU), `rows` per call. */
export function windowSampler(tokens: Int32Array, context: number, seed: number): (rows: number) => { inputIds: Tensor<'int64'>; targets: Tensor<'int64'> } {
  const rand = rng(seed);
  const span = lastWindowStart(tokens.length, context) + 1;
  return (rows) => stackWindows(tokens, Array.from({ length: rows }, () => Math.floor(rand() * span)), context);
}

/** Rows of two [B, T] int64 tensors stacked ([Ba + Bb, T]). */
export function stackRows(a: Tensor<'int64'>, b: Tensor<'int64'>): Tensor<'int64'> {
  const data = new BigInt64Array(a.data.length + b.data.length);
  data.set(a.data as BigInt64Array);
  data.set(b.data as BigInt64Array, a.data.length);
  return tensor('int64', [a.dims[0] + b.dims[0], a.dims[1]], data);
}
