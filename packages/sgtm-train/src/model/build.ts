/** The GPT SGTM trains from scratch: buildGPT's forward graph with an LM-head bias. */
import { buildGPT, type Graph } from '@gradloc/tensor-backend';
import { SGTM_MODEL } from '../config.js';
import { gptLayout } from '../split/gpt-layout.js';
import { withLogitBias } from './graphs.js';

export interface GptConfig {
  readonly context: number;
  readonly dim: number;
  readonly depth: number;
  readonly heads: number;
  readonly mlpRatio: number;
}

export function buildSgtmGpt(vocab: number, seed: number, config: Partial<GptConfig> = {}): Graph {
  const c = { ...SGTM_MODEL, ...config };
  const forward = buildGPT({ vocab, context: c.context, dim: c.dim, depth: c.depth, heads: c.heads, mlpRatio: c.mlpRatio, seed });
  return withLogitBias(forward, gptLayout(forward, { heads: c.heads }));
}
