/**
 * GPT-shaped models with random weights at a chosen size, over the Brown word vocabulary:
 * what it costs to quantize a model of 30M, 120M or 500M parameters can be measured
 * without training (or downloading) one. Timings and memory depend on the shape, not on
 * the values; perplexity of such a model means nothing.
 *
 * The weights come from tensor-backend's buildGPT (GPT-2 layout, LM head tied to the token
 * embedding, seeded). DIR/model.onnx keeps the graph only: every weight is in
 * DIR/model.onnx.data (external data), as large exports store them and as a streamed
 * quantizer that reads one weight at a time needs them. DIR/tokenizer.json is the Brown
 * tokenizer the ids mean, so the folder is self-contained.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { buildGPT, BYTES, dtypeFromOnnx, GradlocError, isFloat, saveModel, type Graph } from '@gradloc/tensor-backend';
import { brownTokenizerPath, loadBrownTokenizer } from './data/brown/brown-tokenizer.js';
import type { ModelsOptions } from './folder.js';

export interface GptShape {
  readonly dim: number;
  readonly depth: number;
  readonly heads: number;
}

/**
 * Sizes by parameter count (embeddings included, at the default context of 128 and the
 * 10,000-word vocabulary). '3M' is brown-gpt's shape: 3,724,416. The others are GPT-2-like
 * (heads of width 64, MLP 4 x dim), each within 1.4% of its name: 30M = 30,405,632;
 * 120M = 121,185,792; 500M = 504,902,400.
 */
export const GPT_SIZES = {
  '3M': { dim: 192, depth: 4, heads: 4 },
  '30M': { dim: 512, depth: 8, heads: 8 },
  '120M': { dim: 768, depth: 16, heads: 12 },
  '500M': { dim: 1280, depth: 25, heads: 20 },
} as const satisfies Readonly<Record<string, GptShape>>;

export type GptSize = keyof typeof GPT_SIZES;
export const GPT_SIZE_NAMES = Object.keys(GPT_SIZES) as readonly GptSize[];

/** Vocabularies a made GPT can have (the tokenizer decides its size). */
export const GPT_VOCABS = ['brown'] as const;
export type GptVocab = (typeof GPT_VOCABS)[number];

export const DEFAULT_GPT_CONTEXT = 128;
export const MADE_GPT_MODEL = 'model.onnx';
export const MADE_GPT_DATA = 'model.onnx.data';
export const MADE_GPT_TOKENIZER = 'tokenizer.json';

export interface MakeGptOptions extends ModelsOptions {
  /** A GPT_SIZES name ('3M', '30M', '120M', '500M'). */
  readonly params: string;
  /** Default 'brown': the tokenizer of the models folder (brown-gpt/tokenizer.json). */
  readonly vocab?: string;
  /** The folder to write; it must not exist or be empty, unless `force`. */
  readonly out: string;
  /** Maximum sequence length (position table and causal mask; default 128). */
  readonly context?: number;
  /** Seed of the random weights (default 0). */
  readonly seed?: number;
  /** Write into a folder that is not empty (its model, data and tokenizer files are replaced). */
  readonly force?: boolean;
  /** Called as each stage starts, for people watching a large size. */
  readonly onStage?: (stage: 'build' | 'save', detail: string) => void;
}

export interface MadeGpt {
  readonly dir: string;
  /** Float weight elements stored (the tied LM head counted once). */
  readonly params: number;
  /** Their bytes (float32): the size of model.onnx.data without alignment padding. */
  readonly weightBytes: number;
  readonly shape: GptShape & { readonly context: number; readonly vocab: number };
  readonly ms: number;
}

function sizeOf(name: string): GptShape {
  if (!Object.hasOwn(GPT_SIZES, name)) throw new GradlocError('BAD_INPUT', `unknown GPT size '${name}' (sizes: ${GPT_SIZE_NAMES.join(', ')})`);
  return GPT_SIZES[name as GptSize];
}

/** Fails before the (long) build when `dir` cannot be written as asked. */
function checkOut(dir: string, force: boolean): void {
  if (!existsSync(dir)) return;
  if (!statSync(dir).isDirectory()) throw new GradlocError('BAD_INPUT', `out ${dir} exists and is not a folder`);
  if (!force && readdirSync(dir).length > 0) throw new GradlocError('BAD_INPUT', `out ${dir} exists and is not empty (pass force, --force in the CLI, to write into it)`);
}

/** Float initializers: the weights (the causal mask is bool, shape constants are int64). */
function weights(graph: Graph): { params: number; bytes: number; smallest: number } {
  let params = 0;
  let bytes = 0;
  let smallest = Infinity;
  for (const t of graph.initializers.values()) {
    const dtype = dtypeFromOnnx(t.data_type ?? 1);
    if (!isFloat(dtype)) continue;
    const n = t.dims.reduce((a: number, d) => a * Number(d), 1);
    params += n;
    bytes += n * BYTES[dtype];
    smallest = Math.min(smallest, n * BYTES[dtype]);
  }
  return { params, bytes, smallest };
}

export function makeGpt(opts: MakeGptOptions): MadeGpt {
  const t0 = performance.now();
  const shape = sizeOf(opts.params);
  const vocabName = opts.vocab ?? 'brown';
  if (!(GPT_VOCABS as readonly string[]).includes(vocabName)) throw new GradlocError('BAD_INPUT', `unknown vocabulary '${vocabName}' (vocabularies: ${GPT_VOCABS.join(', ')})`);
  const context = opts.context ?? DEFAULT_GPT_CONTEXT;
  if (!Number.isSafeInteger(context) || context < 1) throw new GradlocError('BAD_INPUT', `context must be a whole number >= 1, got ${context}`);
  const seed = opts.seed ?? 0;
  if (!Number.isSafeInteger(seed) || seed < 0) throw new GradlocError('BAD_INPUT', `seed must be a whole number >= 0, got ${seed}`);
  const dir = resolve(opts.out);
  checkOut(dir, opts.force === true);
  const tokenizerFile = brownTokenizerPath(opts);
  const vocab = loadBrownTokenizer(tokenizerFile).size;

  opts.onStage?.('build', `${opts.params}: dim ${shape.dim}, depth ${shape.depth}, heads ${shape.heads}, context ${context}, vocab ${vocab}`);
  const graph = buildGPT({ vocab, context, ...shape, seed });
  graph.metadata.push({ key: 'gradloc.weights', value: `random: gradloc make-gpt --params ${opts.params} --context ${context} --seed ${seed}` });
  const w = weights(graph);

  opts.onStage?.('save', `${w.params} parameters, ${(w.bytes / 2 ** 20).toFixed(1)} MB -> ${dir}`);
  const created = !existsSync(dir);
  try {
    mkdirSync(dir, { recursive: true });
    // The smallest weight (a LayerNorm bias: dim floats) is the threshold, so every weight goes
    // to the data file; scalars and most shape constants are smaller and stay inline.
    saveModel(join(dir, MADE_GPT_MODEL), graph.toModel(), { externalData: { location: MADE_GPT_DATA, threshold: w.smallest } });
    copyFileSync(tokenizerFile, join(dir, MADE_GPT_TOKENIZER));
  } catch (e) {
    if (created) rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return { dir, params: w.params, weightBytes: w.bytes, shape: { ...shape, context, vocab }, ms: performance.now() - t0 };
}
