/** brown-gpt's card.json: architecture, training run and how the held-out metrics were scored. */
import type { Graph } from '@gradloc/tensor-backend';
import { BROWN_SPLIT_RULE, brownTokens, type HeldOutPerplexity, type WordTokenizer } from '@gradloc/models';
import { countParameters } from '../../zoo/export.js';
import { machineDescription } from '../../zoo/run-info.js';
import { BROWN_GPT, BROWN_GPT_NAME, type BrownGptCard } from './config.js';

export interface RunFacts extends HeldOutPerplexity {
  /** The `gradloc train` command line that reproduces the run. */
  readonly command: string;
  readonly threads: number | undefined;
  readonly seed: number;
  readonly steps: number;
  readonly warmupSteps: number;
  /** True when the metrics cover a subset of the windows (--eval-samples). */
  readonly subset: boolean;
  readonly wallTimeSec: number;
}

export function brownGptCard(forward: Graph, tokenizer: WordTokenizer, f: RunFacts): BrownGptCard {
  const { context, dim, depth, heads, batch } = BROWN_GPT;
  const vocab = tokenizer.size;
  const name = BROWN_GPT_NAME;
  return {
    name,
    task: 'causal language modelling (next-word prediction) of Brown-corpus text',
    architecture: `GPT-2-style decoder: ${depth} pre-LN blocks, width ${dim}, ${heads} heads, GELU MLP ${4 * dim}, learned positions, context ${context}, word vocabulary ${vocab}, LM head tied to the token embedding`,
    parameters: countParameters(forward),
    inputs: [{ name: 'input_ids', dtype: 'int64', dims: ['batch', 'seq'], meaning: `token ids from the tokenizer file, seq <= ${context}` }],
    outputs: [{ name: 'logits', dtype: 'float32', dims: ['batch', 'seq', vocab], meaning: 'next-token logits: position t scores the token at t + 1' }],
    preprocessing: {
      tokenizer: `models/${name}/tokenizer.json`,
      context,
      text: 'lower-cased whitespace-separated words (punctuation as separate tokens); <doc> starts a document, <eos> ends each sentence',
    },
    training: {
      command: f.command,
      seed: f.seed,
      steps: f.steps,
      batch,
      optimizer: `AdamW (betas 0.9/0.999, weight decay ${BROWN_GPT.weightDecay}, none on biases and LayerNorm), gradient clipping at global norm 1`,
      schedule: `linear warm-up over ${f.warmupSteps} steps to ${BROWN_GPT.peakLr}, cosine to ${BROWN_GPT.floorLr} at step ${f.steps}`,
      data: `Brown train split, ${brownTokens('train', tokenizer).length} tokens; split rule: ${BROWN_SPLIT_RULE}; each step ${batch} uniformly random ${context}-token windows (seeded, may cross documents)`,
      wallTimeSec: f.wallTimeSec,
      machine: machineDescription(f.threads),
    },
    metrics: f.metrics,
    evaluation: {
      command: `npx gradloc zoo eval ${name}`,
      split: 'test (ppl) and validation (ppl_validation)',
      samples: f.windows.test,
      windows: f.windows,
      notes:
        `perplexity = exp(total NLL / predicted tokens) over every next-token target of the split's token stream, <unk> targets counted like any token; ` +
        `the stream is the split's documents in corpus order, each starting with <doc>, every sentence ending with <eos>; ` +
        `non-overlapping ${context}-token windows (stride ${context}), the last one moved back to end at the stream's end and scoring only targets not yet scored` +
        `; gradloc eval-ppl --model models/${name}/model.onnx --data brown:test (brown:validation) gives the same numbers` +
        (f.subset ? `; SUBSET: ${f.windows.validation} validation / ${f.windows.test} test windows spread evenly over each split (--eval-samples)` : ''),
    },
  };
}
