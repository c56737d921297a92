/**
 * A Brown language model's held-out metrics: perplexity on the test split (`ppl`) and on the
 * validation split (`ppl_validation`), every window of each unless capped. brown-gpt's
 * training and `evaluateModel` share it, and the card records the windows scored so a
 * re-evaluation scores the same ones.
 */
import type { OnnxModel } from '@gradloc/tensor-backend';
import type { Metrics } from '../card.js';
import type { ModelsOptions } from '../folder.js';
import { brownPerplexity } from '../metrics/causal-lm.js';

/** Windows scored per held-out split. */
export interface SplitWindows {
  readonly validation: number;
  readonly test: number;
}

export interface HeldOutPerplexity {
  /** `ppl` (test) and `ppl_validation`. */
  readonly metrics: Metrics;
  readonly windows: SplitWindows;
}

export interface LanguageModelEvalOptions extends ModelsOptions {
  /** Window length (default: lmContext of the model). */
  readonly context?: number;
  /** Score at most this many windows per split, spread evenly (default: all). */
  readonly windows?: Partial<SplitWindows>;
}

/** Test and validation perplexity of a loaded causal LM (the caller owns and releases it). */
export async function evaluateLanguageModel(model: OnnxModel, opts: LanguageModelEvalOptions = {}): Promise<HeldOutPerplexity> {
  const common = { context: opts.context, modelsDir: opts.modelsDir };
  const validation = await brownPerplexity(model, { ...common, split: 'validation', maxWindows: opts.windows?.validation });
  const test = await brownPerplexity(model, { ...common, split: 'test', maxWindows: opts.windows?.test });
  return { metrics: { ppl: test.ppl, ppl_validation: validation.ppl }, windows: { validation: validation.windows, test: test.windows } };
}
