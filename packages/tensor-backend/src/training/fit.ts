/**
 * The training loop: steps over a stream of batches, evaluates and checkpoints every N
 * steps, and reports progress after each step (what the CLI draws its progress bar from).
 */
import { GradlocError } from '../errors.js';
import type { Feeds } from '../runtime/model.js';
import type { StepOptions, Trainer } from './trainer.js';

/** A batch with the options of its step (e.g. the parameter groups it may update). */
export interface LabelledBatch {
  readonly feeds: Feeds;
  readonly options: StepOptions;
}

/** Feeds are tensors by name; a LabelledBatch's `options` is not a tensor. */
const isLabelled = (b: Feeds | LabelledBatch): b is LabelledBatch =>
  'feeds' in b && 'options' in b && typeof b.options === 'object' && b.options !== null && !('dtype' in b.options);

export type Metrics = Readonly<Record<string, number>>;

export interface Progress {
  /** Updates applied so far (the trainer's stepCount). */
  readonly step: number;
  readonly total: number;
  readonly loss: number;
  readonly lr: number;
  readonly gradNorm: number;
  /** Training throughput so far in this fit (evaluation and checkpoint time excluded). */
  readonly samplesPerSec: number;
  /** Remaining steps at the pace so far (evaluations and checkpoints included). */
  readonly etaSec: number;
  /** Present after the steps that ran an evaluation. */
  readonly metrics?: Metrics;
}

export interface FitOptions {
  readonly trainer: Trainer;
  /**
   * Batches, in order. Left open when fit stops early, so the same generator can feed the next
   * fit; a trainer resumed from a checkpoint needs the stream from where it stopped.
   */
  readonly train: Iterable<Feeds | LabelledBatch> | AsyncIterable<Feeds | LabelledBatch>;
  /** Train until trainer.stepCount reaches this (so a resumed trainer finishes the same run). */
  readonly steps: number;
  /** Evaluate every N steps (and after the last); without it, only after the last. */
  readonly evalEvery?: number;
  readonly evaluate?: (trainer: Trainer) => Promise<Metrics>;
  readonly onProgress?: (p: Progress) => void;
  /** Checkpoint every N steps (and after the last) into checkpointPath. */
  readonly checkpointEvery?: number;
  /** Without checkpointEvery: one checkpoint after the last step. */
  readonly checkpointPath?: string;
  /** Samples in a batch (default: the first dim of the first feed; pass tokens for a language model). */
  readonly samplesOf?: (feeds: Feeds) => number;
  readonly signal?: AbortSignal;
  /**
   * Pull the next batch while the current step runs in onnxruntime, so generating data overlaps
   * the step. A fit stopped early by `signal` has then taken one batch it did not train on:
   * leave it off for streams a resumed fit continues.
   */
  readonly prefetch?: boolean;
}

export interface FitResult {
  /** The trainer's stepCount at the end. */
  readonly step: number;
  /** Loss of the last step (NaN when no step ran). */
  readonly loss: number;
  /** Metrics of the last evaluation. */
  readonly metrics?: Metrics;
  /** 'done': reached `steps`; 'data': the batches ran out; 'aborted': the signal fired. */
  readonly stopped: 'done' | 'data' | 'aborted';
}

const firstDim = (feeds: Feeds): number => Object.values(feeds)[0]?.dims[0] ?? 1;

export async function fit(opts: FitOptions): Promise<FitResult> {
  const { trainer, steps } = opts;
  if (opts.checkpointEvery !== undefined && !opts.checkpointPath) throw new GradlocError('BAD_INPUT', 'fit: checkpointEvery needs a checkpointPath');
  const every = (n: number | undefined, step: number): boolean => step === steps || (n !== undefined && n > 0 && step % n === 0);
  const samplesOf = opts.samplesOf ?? firstDim;
  const started = performance.now();
  let trainMs = 0;
  let samples = 0;
  let done = 0;
  let loss = NaN;
  let metrics: Metrics | undefined;
  if (trainer.stepCount >= steps) return { step: trainer.stepCount, loss, stopped: 'done' };
  if (opts.signal?.aborted) return { step: trainer.stepCount, loss, stopped: 'aborted' };
  // next() by hand, not for-of: an early return would close the caller's generator, which
  // can then not continue in a later fit
  const batches = Symbol.asyncIterator in opts.train ? opts.train[Symbol.asyncIterator]() : opts.train[Symbol.iterator]();
  let upcoming: Promise<IteratorResult<Feeds | LabelledBatch>> | undefined;
  for (let next = await batches.next(); !next.done; next = await (upcoming ?? batches.next())) {
    const batch = next.value;
    const feeds = isLabelled(batch) ? batch.feeds : batch;
    const t0 = performance.now();
    const stepping = trainer.step(feeds, isLabelled(batch) ? batch.options : {});
    // onnxruntime computes the step on its own threads: build the next batch meanwhile
    upcoming = opts.prefetch && trainer.stepCount + 1 < steps ? Promise.resolve(batches.next()) : undefined;
    const r = await stepping;
    trainMs += performance.now() - t0;
    samples += samplesOf(feeds);
    done++;
    loss = r.loss;
    let evaluated: Metrics | undefined;
    if (opts.evaluate && every(opts.evalEvery, r.step)) metrics = evaluated = await opts.evaluate(trainer);
    if (opts.checkpointPath && every(opts.checkpointEvery, r.step)) trainer.saveCheckpoint(opts.checkpointPath);
    const perStep = (performance.now() - started) / done;
    opts.onProgress?.({
      step: r.step,
      total: steps,
      loss,
      lr: r.lr,
      gradNorm: r.gradNorm,
      samplesPerSec: (samples * 1000) / trainMs,
      etaSec: ((steps - r.step) * perStep) / 1000,
      ...(evaluated ? { metrics: evaluated } : {}),
    });
    if (r.step >= steps) return { step: r.step, loss, metrics, stopped: 'done' };
    // checked before pulling the next batch, so a stream resumed later loses none
    if (opts.signal?.aborted) return { step: r.step, loss, metrics, stopped: 'aborted' };
  }
  return { step: trainer.stepCount, loss, metrics, stopped: 'data' };
}
