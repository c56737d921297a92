/**
 * Perplexity of any causal LM ONNX file on a Brown split, as long as it follows the interface
 * brown-gpt ships: input `input_ids` int64 [batch, seq], output `logits` float [batch, seq,
 * vocab] where position t scores token t+1, and vocab = the shipped tokenizer's size (ids
 * must mean the same words, and a smaller vocab would silently score the wrong entries).
 * Used by brown-gpt's evaluate() and by `gradloc eval-ppl`, e.g. on quantized models.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GradlocError, MODEL_META, type OnnxModel, type Tensor } from '@gradloc/tensor-backend';
import { brownTokenizerPath, loadBrownTokenizer } from '../data/brown/brown-tokenizer.js';
import { evalWindows } from '../data/brown/brown-streams.js';
import type { BrownSplit } from '../data/brown/split.js';
import { readCard } from '../card.js';
import type { ModelsOptions } from '../folder.js';
import { perplexity, type PerplexityOptions, type PerplexityResult } from './perplexity.js';

/** When neither the model nor its card says otherwise (brown-gpt's context). */
export const DEFAULT_LM_CONTEXT = 64;

/** The models folder option says where the Brown tokenizer is (brown-gpt/tokenizer.json). */
export interface BrownPerplexityOptions extends PerplexityOptions, ModelsOptions {
  readonly split: BrownSplit;
  /** Window length (default: lmContext(model)). */
  readonly context?: number;
  /** Default: context (non-overlapping windows). */
  readonly stride?: number;
}

export interface BrownPerplexity extends PerplexityResult {
  readonly split: BrownSplit;
  readonly context: number;
  readonly stride: number;
}

const fixedDim = (d: unknown): number | undefined => (typeof d === 'number' && d > 0 ? d : undefined);

/** Fails with BAD_MODEL unless the model has the causal-LM interface over `vocab` ids. */
export function checkCausalLm(model: OnnxModel, vocab: number): void {
  const inputs = model.graph.inputs;
  const ids = inputs.find((i) => i.name === 'input_ids');
  if (!ids || inputs.length !== 1) {
    throw new GradlocError('BAD_MODEL', `a causal LM must have exactly one input 'input_ids' (this model has: ${inputs.map((i) => i.name).join(', ') || 'none'})`);
  }
  if (ids.dtype !== 'int64' || (ids.dims !== null && ids.dims.length !== 2)) {
    throw new GradlocError('BAD_MODEL', `input 'input_ids' must be int64 [batch, seq], got ${ids.dtype} [${ids.dims?.join(', ') ?? '?'}]`);
  }
  const logits = model.graph.outputs.find((o) => o.name === 'logits');
  if (!logits) throw new GradlocError('BAD_MODEL', `a causal LM must have an output 'logits' (outputs: ${model.outputNames.join(', ')})`);
  if (logits.dtype !== 'float32' && logits.dtype !== 'float64') throw new GradlocError('BAD_MODEL', `output 'logits' must be float32 or float64, got ${logits.dtype}`);
  if (logits.dims !== null && logits.dims.length !== 3) throw new GradlocError('BAD_MODEL', `output 'logits' must be [batch, seq, vocab], got [${logits.dims.join(', ')}]`);
  const v = fixedDim(logits.dims?.[2]);
  if (v !== undefined && v !== vocab) throw vocabMismatch(v, vocab);
}

const vocabMismatch = (got: number, want: number): GradlocError =>
  new GradlocError('BAD_MODEL', `the model's vocabulary has ${got} entries, the Brown tokenizer (brown-gpt/tokenizer.json of the models folder) has ${want}: ids would not mean the same words`);

/**
 * The window length to evaluate at: a fixed `seq` dim of the input, else the builder's
 * `gradloc.dim.seq` metadata, else `preprocessing.context` of a card.json beside the file,
 * else DEFAULT_LM_CONTEXT.
 */
export function lmContext(model: OnnxModel, modelPath?: string): number {
  const fixed = fixedDim(model.graph.inputs.find((i) => i.name === 'input_ids')?.dims?.[1]);
  if (fixed !== undefined) return fixed;
  const meta = Number(model.graph.metadata.find((p) => p.key === MODEL_META.dim('seq'))?.value);
  if (Number.isInteger(meta) && meta > 0) return meta;
  if (modelPath && existsSync(join(dirname(modelPath), 'card.json'))) {
    const fromCard = Number(readCard(dirname(modelPath)).preprocessing.context);
    if (Number.isInteger(fromCard) && fromCard > 0) return fromCard;
  }
  return DEFAULT_LM_CONTEXT;
}

/** Perplexity of `model` on a Brown split (the caller owns and releases the model). */
export async function brownPerplexity(model: OnnxModel, opts: BrownPerplexityOptions): Promise<BrownPerplexity> {
  const tokenizer = loadBrownTokenizer(brownTokenizerPath(opts));
  const vocab = tokenizer.size;
  checkCausalLm(model, vocab);
  const context = opts.context ?? lmContext(model);
  const plan = evalWindows({ split: opts.split, context, stride: opts.stride, tokenizer });
  const logitsOf = async (b: { inputIds: Tensor<'int64'> }): Promise<Tensor> => {
    const logits = (await model.run({ input_ids: b.inputIds }, ['logits'])).logits;
    // A symbolic vocab dim is only known now; scoredNll checks batch and seq.
    if (logits.dims[2] !== vocab) throw vocabMismatch(logits.dims[2] ?? 0, vocab);
    return logits;
  };
  const r = await perplexity(plan, logitsOf, opts);
  return { ...r, split: opts.split, context, stride: plan.stride };
}
