/**
 * Training and evaluation streams of a Brown split (shipped tokenizer unless one is given):
 * `lmBatches` for training and calibration, `evalWindows` + `evalBatches` + `scoredNll` for
 * perplexity (`gradloc eval-ppl --data brown:test`).
 */
import { brownTokens } from './brown-tokens.js';
import { planEvalWindows, type EvalPlan } from './eval-windows.js';
import { randomWindowBatches, type LmBatch, type RandomWindowOptions } from './lm-windows.js';
import type { BrownSplit } from './split.js';
import type { WordTokenizer } from './word-tokenizer.js';

export interface LmBatchOptions extends RandomWindowOptions {
  readonly split: BrownSplit;
  readonly tokenizer?: WordTokenizer;
}

/** Seeded random [B, T] windows of a split with next-token targets (see randomWindowBatches). */
export function lmBatches(opts: LmBatchOptions): Generator<LmBatch> {
  return randomWindowBatches(brownTokens(opts.split, opts.tokenizer), opts);
}

export interface EvalWindowOptions {
  readonly split: BrownSplit;
  readonly context: number;
  /** Default `context`: non-overlapping windows. */
  readonly stride?: number;
  readonly tokenizer?: WordTokenizer;
}

/** Windows scoring every target of the split once (see planEvalWindows). */
export function evalWindows(opts: EvalWindowOptions): EvalPlan {
  return planEvalWindows(brownTokens(opts.split, opts.tokenizer), opts.context, opts.stride);
}
