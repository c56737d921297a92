/**
 * Held-out losses of a causal LM on two domains (SGTM's retain and forget): mean next-token
 * cross-entropy in nats over every target of each stream, scored with the perplexity windows
 * (non-overlapping context-length windows, each target once), so loss = ln(ppl). The SGTM
 * training, its card and `evaluateModel` share it, so a card's numbers come back exactly.
 */
import type { Metrics } from '../card.js';
import { planEvalWindows } from '../data/brown/eval-windows.js';
import { bilingualTokens } from '../data/bilingual/streams.js';
import type { BilingualTokenizer } from '../data/bilingual/tokenizer.js';
import type { BrownSplit } from '../data/brown/split.js';
import { perplexity, type LogitsOf } from '../metrics/perplexity.js';

export interface DomainStreams {
  readonly forget: Int32Array;
  readonly retain: Int32Array;
}

export interface DomainLosses {
  readonly retain_loss: number;
  readonly forget_loss: number;
  /** Targets scored per domain. */
  readonly tokens: { readonly retain: number; readonly forget: number };
}

export interface DomainLossOptions {
  readonly context: number;
  /** Score at most this many windows per domain, evenly spread (default all). */
  readonly maxWindows?: number;
  readonly batch?: number;
}

export async function domainLossesOf(logitsOf: LogitsOf, streams: DomainStreams, opts: DomainLossOptions): Promise<DomainLosses> {
  const score = (tokens: Int32Array): ReturnType<typeof perplexity> => perplexity(planEvalWindows(tokens, opts.context), logitsOf, { maxWindows: opts.maxWindows, batch: opts.batch });
  const retain = await score(streams.retain);
  const forget = await score(streams.forget);
  return { retain_loss: retain.nll / retain.predicted, forget_loss: forget.nll / forget.predicted, tokens: { retain: retain.predicted, forget: forget.predicted } };
}

/** The bilingual corpus as two domains: cipher = forget, English = retain. */
export const bilingualDomains = (split: BrownSplit, tok: BilingualTokenizer): DomainStreams => ({
  forget: bilingualTokens(split, 'cipher', tok),
  retain: bilingualTokens(split, 'english', tok),
});

/** A bilingual model card's metrics: the test losses of both languages. */
export async function bilingualCardMetrics(logitsOf: LogitsOf, tok: BilingualTokenizer, opts: DomainLossOptions): Promise<Metrics> {
  const l = await domainLossesOf(logitsOf, bilingualDomains('test', tok), opts);
  return { retain_loss: l.retain_loss, forget_loss: l.forget_loss };
}
