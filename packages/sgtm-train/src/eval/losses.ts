/**
 * Held-out losses of a causal LM on the two domains: mean next-token cross-entropy (nats)
 * over every target of each test stream, scored with the project's perplexity windows
 * (non-overlapping context-length windows, each target once), so loss = ln(ppl).
 */
import { OnnxModel, type Graph, type RuntimeOptions, type Tensor } from '@gradloc/tensor-backend';
import { perplexity, planEvalWindows } from '@gradloc/models';
import type { DomainStreams } from '../data/batches.js';

export interface DomainLosses {
  readonly retain_loss: number;
  readonly forget_loss: number;
  /** Targets scored per domain. */
  readonly tokens: { readonly retain: number; readonly forget: number };
}

export interface LossOptions {
  readonly context: number;
  /** Score at most this many windows per domain, evenly spread (default all). */
  readonly maxWindows?: number;
  readonly batch?: number;
  readonly runtime?: RuntimeOptions;
}

export async function domainLosses(model: Graph, test: DomainStreams, opts: LossOptions): Promise<DomainLosses> {
  const session = OnnxModel.fromGraph(model, opts.runtime ?? {});
  try {
    const logitsOf = async (b: { inputIds: Tensor<'int64'> }): Promise<Tensor> => (await session.run({ input_ids: b.inputIds }, ['logits'])).logits;
    const score = (tokens: Int32Array): ReturnType<typeof perplexity> =>
      perplexity(planEvalWindows(tokens, opts.context), logitsOf, { maxWindows: opts.maxWindows, batch: opts.batch });
    const retain = await score(test.retain);
    const forget = await score(test.forget);
    return {
      retain_loss: retain.nll / retain.predicted,
      forget_loss: forget.nll / forget.predicted,
      tokens: { retain: retain.predicted, forget: forget.predicted },
    };
  } finally {
    await session.release();
  }
}
