/**
 * Grad-ECLIP (Zhao et al., ICML 2024; the authors' code: Cyang-Zhao/Grad-Eclip): which image
 * patches and which caption words make an image-text pair similar, for CLIP-style dual
 * encoders. For the explained similarity c = cos(image embedding, text embedding) and an
 * attention block with full-width projections q, k, v and output before the output
 * projection o (heads concatenated):
 *
 *   g = dc/do at the pooled row r (class token / end-of-text token)    channel weights, D
 *   lambda_i = min-max over tokens i of cos(q_r, k_i)                   the "loosened" attention
 *   m_i = sum_d g_d v_{i,d} lambda_i
 *
 * Image side: the patch tokens, ReLU per block, summed over the last n blocks (default 1), on
 * the patch grid. Text side: summed over the last n blocks (default 8) before the ReLU,
 * tokens 1..EOS-1, divided by their sum.
 *
 * Choices (documented in the README):
 * - the model's own multi-head forward is explained (the authors recompute the chosen blocks
 *   with ONE head, which explains a slightly different model);
 * - the pooled rows are the rows of the last chosen block's o whose gradient is not zero:
 *   the class token of a CLIP image tower, the end-of-text token of its text tower; for a
 *   tower that mean-pools its tokens (the zoo's shapes-clip) every pooled row counts, m_i
 *   summed over them, each with its own lambda;
 * - the gradient is taken w.r.t. the tensor feeding the output projection (never after it);
 * - one backward pass serves both towers: the cosine is added to the graph as an output
 *   (similarity-model.ts) and differentiated once (the authors run one backward per side).
 *
 * `gradEclipOf` explains any scalar of the model the same way (e.g. a grounder's box logit
 * for a query, where the pooled rows are the box's patch token and the class token).
 */
import { GradlocError, tensor, type Feeds, type OnnxModel, type Target, type Tensor } from '@gradloc/tensor-backend';
import { tokenGrid, type TokenLayout } from '../spatial.js';
import { findAttentionBlocks, towerBlocks, type AttentionBlock, type AttentionTensors } from './attention-blocks.js';
import { SIMILARITY_OUTPUT, similarityModel } from './similarity-model.js';
import { pairDots } from './pair-dots.js';

export interface DualEncoderSpec {
  readonly model: OnnxModel;
  /** Inputs of the two towers (default 'pixel_values', 'input_ids'). */
  readonly imageInput?: string;
  readonly textInput?: string;
  /** Embedding outputs (default 'image_embeds', 'text_embeds'); normalised or not. */
  readonly imageOutput?: string;
  readonly textOutput?: string;
}

export interface GradEclipOptions {
  /** Last n image blocks (default 1) and text blocks (default 8, or all when fewer). */
  readonly imageBlocks?: number;
  readonly textBlocks?: number;
  /** The query-key cosine as spatial weight (default true; false: the authors' "without ksim" ablation). */
  readonly keySimilarity?: boolean;
  /** Token layout of the image tower (default: 0 or 1 prefix tokens, square grid). */
  readonly imageTokens?: TokenLayout;
  /** Attention tensors per block, first to last, when the graph pattern does not find them. */
  readonly attention?: { readonly image?: readonly AttentionTensors[]; readonly text?: readonly AttentionTensors[] };
}

export interface ImageSideMap {
  /** Patch-grid map (ReLU'd per block, summed; not normalised), row-major [rows, cols]. */
  readonly map: Float32Array;
  readonly rows: number;
  readonly cols: number;
  readonly blocks: number;
  /** Each chosen block's scores m_i before the ReLU, first to last (what MMEL-style weighs). */
  readonly perBlock: readonly Float64Array[];
}

export interface TextSideMap {
  /** Weights of the caption tokens 1..EOS-1 (summing to 1, or all 0), positions in the ids. */
  readonly weights: Float64Array;
  readonly positions: readonly number[];
  readonly eos: number;
  readonly blocks: number;
  /** Each chosen block's scores over all token positions, before summing and ReLU. */
  readonly perBlock: readonly Float64Array[];
}

export interface ImageTextExplanation {
  /** cos(image embedding, text embedding). */
  readonly similarity: number;
  readonly image: ImageSideMap;
  readonly text: TextSideMap;
}

/** Where the towers of a model start (for gradEclipOf). */
export interface TowerInputs {
  /** Inputs of the two towers (default 'pixel_values', 'input_ids'). */
  readonly imageInput?: string;
  readonly textInput?: string;
}

const dot = (a: ArrayLike<number>, ao: number, b: ArrayLike<number>, bo: number, n: number): number => {
  let s = 0;
  for (let d = 0; d < n; d++) s += a[ao + d] * b[bo + d];
  return s;
};

/**
 * Grad-ECLIP scores of one block: m_i = sum over pooled rows r of (sum_d g_{r,d} v_{i,d}) * lambda_{r,i}
 * for i in `tokens`, lambda min-max normalised over `tokens`.
 */
export function gradEclipScores(q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, g: ArrayLike<number>, width: number, rows: readonly number[], tokens: readonly number[], keySimilarity = true): Float64Array {
  const p = gather(q, k, v, g, width, rows, tokens);
  const dots = (x: Float32Array, y: Float32Array): Float32Array => {
    const out = new Float32Array(p.rows * p.tokens);
    for (let r = 0; r < p.rows; r++) {
      for (let j = 0; j < p.tokens; j++) {
        let s = 0;
        for (let d = 0; d < width; d++) s += x[r * width + d] * y[j * width + d];
        out[r * p.tokens + j] = s;
      }
    }
    return out;
  };
  return combine(dots(p.g, p.v), keySimilarity ? dots(p.q, p.kUnit) : undefined, p.rows, p.tokens);
}

/** The same scores with the two dot-product matrices on onnxruntime (pair-dots.ts): for towers that pool many rows. */
export async function gradEclipScoresBatched(q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, g: ArrayLike<number>, width: number, rows: readonly number[], tokens: readonly number[], keySimilarity = true): Promise<Float64Array> {
  const p = gather(q, k, v, g, width, rows, tokens);
  if (p.rows === 0) return new Float64Array(p.tokens);
  const gv = await pairDots(p.g, p.rows, p.v, p.tokens, width);
  const qk = keySimilarity ? await pairDots(p.q, p.rows, p.kUnit, p.tokens, width) : undefined;
  return combine(gv, qk, p.rows, p.tokens);
}

/** The pooled rows with a non-zero gradient (g, q) and the tokens (v, k / |k|), contiguous. */
function gather(q: ArrayLike<number>, k: ArrayLike<number>, v: ArrayLike<number>, g: ArrayLike<number>, D: number, rows: readonly number[], tokens: readonly number[]) {
  const live = rows.filter((r) => {
    for (let d = 0; d < D; d++) if (g[r * D + d] !== 0) return true;
    return false; // a row with zero gradient adds nothing
  });
  const T = tokens.length;
  const out = { rows: live.length, tokens: T, g: new Float32Array(live.length * D), q: new Float32Array(live.length * D), v: new Float32Array(T * D), kUnit: new Float32Array(T * D) };
  live.forEach((r, i) => {
    for (let d = 0; d < D; d++) {
      out.g[i * D + d] = g[r * D + d];
      out.q[i * D + d] = q[r * D + d];
    }
  });
  tokens.forEach((t, j) => {
    let n = 0;
    for (let d = 0; d < D; d++) n += k[t * D + d] * k[t * D + d];
    const inv = n > 0 ? 1 / Math.sqrt(n) : 0;
    for (let d = 0; d < D; d++) {
      out.v[j * D + d] = v[t * D + d];
      out.kUnit[j * D + d] = k[t * D + d] * inv;
    }
  });
  return out;
}

/**
 * m_j = sum_r gv[r, j] * lambda[r, j], lambda = min-max over j of qk[r, j] (q_r . k_j / |k_j|:
 * the cosine times 1 / |q_r|, which min-max cancels), or 1 without the key similarity.
 */
function combine(gv: Float32Array, qk: Float32Array | undefined, R: number, T: number): Float64Array {
  const m = new Float64Array(T);
  for (let r = 0; r < R; r++) {
    const o = r * T;
    if (!qk) {
      for (let j = 0; j < T; j++) m[j] += gv[o + j];
      continue;
    }
    let lo = Infinity;
    let hi = -Infinity;
    for (let j = 0; j < T; j++) {
      lo = Math.min(lo, qk[o + j]);
      hi = Math.max(hi, qk[o + j]);
    }
    const span = hi - lo;
    if (span > 0) for (let j = 0; j < T; j++) m[j] += (gv[o + j] * (qk[o + j] - lo)) / span;
  }
  return m;
}

/** Rows of a [1, L, D] gradient that are not all zero: the rows the tower pools. */
function pooledRows(g: ArrayLike<number>, tokens: number, width: number): number[] {
  const rows: number[] = [];
  for (let r = 0; r < tokens; r++) {
    for (let d = 0; d < width; d++) {
      if (g[r * width + d] !== 0) {
        rows.push(r);
        break;
      }
    }
  }
  return rows;
}

const lastN = (blocks: readonly AttentionTensors[], n: number, what: string): AttentionTensors[] => {
  if (!(Number.isInteger(n) && n >= 1)) throw new GradlocError('BAD_INPUT', `${what} blocks must be an integer >= 1, got ${n}`);
  return blocks.slice(-Math.min(n, blocks.length));
};

/** Per-block scores of one tower from a vjp's values and gradients. */
async function towerScores(r: { outputs: Record<string, Tensor>; grads: Record<string, Tensor> }, blocks: readonly AttentionTensors[], input: string, tokensOf: (L: number) => number[], keySimilarity: boolean): Promise<{ perBlock: Float64Array[]; rows: number[]; tokens: number[] }> {
  const last = blocks[blocks.length - 1];
  const [, L, D] = r.grads[last.context].dims;
  const rows = pooledRows(r.grads[last.context].data as Float32Array, L, D);
  if (rows.length === 0) throw new GradlocError('BAD_MODEL', `the explained score does not depend on '${last.context}' (its gradient is all zero): is it in the ${input} tower?`);
  const tokens = tokensOf(L);
  const f = (name: string): Float32Array => r.outputs[name]?.data as Float32Array;
  // one pooled row (a class or end-of-text token): plain loops; many (mean pooling): onnxruntime's MatMul
  const scores = rows.length > 4 ? gradEclipScoresBatched : async (...a: Parameters<typeof gradEclipScores>) => gradEclipScores(...a);
  const perBlock: Float64Array[] = [];
  for (const b of blocks) perBlock.push(await scores(f(b.q), f(b.k), f(b.v), r.grads[b.context].data as Float32Array, D, rows, tokens, keySimilarity));
  return { perBlock, rows, tokens };
}

/**
 * Grad-ECLIP maps of any scalar of the model (`of`: an output and a seed selecting it, e.g.
 * one box logit of a grounder), image and text side, from ONE vjp. `feeds` hold one image and
 * one text; `outputs` are extra forward values to return alongside.
 */
export async function gradEclipOf(model: OnnxModel, feeds: Feeds, of: Target, opts: GradEclipOptions & TowerInputs & { readonly outputs?: readonly string[] } = {}): Promise<{ image: ImageSideMap; text: TextSideMap; outputs: Record<string, Tensor> }> {
  const imageInput = opts.imageInput ?? 'pixel_values';
  const textInput = opts.textInput ?? 'input_ids';
  for (const name of [imageInput, textInput]) {
    const t = feeds[name];
    if (!t) throw new GradlocError('BAD_INPUT', `no feed for '${name}'`);
    if (t.dims[0] !== 1) throw new GradlocError('BAD_INPUT', `Grad-ECLIP explains one image and one text at a time; '${name}' has a batch of ${t.dims[0]}`);
  }
  const keySimilarity = opts.keySimilarity ?? true;
  // one pattern search (shape inference over the whole graph) serves both towers
  let found: AttentionBlock[] | undefined;
  const tower = (input: string): AttentionBlock[] => towerBlocks(model.graph, feeds, input, (found ??= findAttentionBlocks(model.graph, feeds)));
  const imageBlocks = lastN(opts.attention?.image ?? tower(imageInput), opts.imageBlocks ?? 1, 'image');
  const textBlocks = lastN(opts.attention?.text ?? tower(textInput), opts.textBlocks ?? 8, 'text');
  const all = [...imageBlocks, ...textBlocks];
  const reads = [...new Set([...all.flatMap((b) => [b.q, b.k, b.v]), ...(opts.outputs ?? [])])];
  const r = await model.vjp({ feeds, of, wrt: [...new Set(all.map((b) => b.context))], outputs: reads });

  let grid = { prefix: 0, rows: 0, cols: 0 };
  const img = await towerScores(r, imageBlocks, imageInput, (L) => {
    grid = tokenGrid(imageBlocks[0].context, L, opts.imageTokens ?? {});
    return Array.from({ length: grid.rows * grid.cols }, (_, i) => grid.prefix + i);
  }, keySimilarity);
  const map = new Float32Array(grid.rows * grid.cols);
  for (const m of img.perBlock) m.forEach((x, i) => (map[i] += Math.max(0, x)));

  const txt = await towerScores(r, textBlocks, textInput, (L) => Array.from({ length: L }, (_, i) => i), keySimilarity);
  const eos = Math.max(...txt.rows);
  const summed = new Float64Array(txt.tokens.length);
  for (const m of txt.perBlock) m.forEach((x, i) => (summed[i] += x));
  const positions = Array.from({ length: Math.max(0, eos - 1) }, (_, i) => i + 1);
  const weights = Float64Array.from(positions, (p) => Math.max(0, summed[p]));
  const total = weights.reduce((a, b) => a + b, 0);
  if (total > 0) for (let i = 0; i < weights.length; i++) weights[i] /= total;

  return {
    image: { map, rows: grid.rows, cols: grid.cols, blocks: imageBlocks.length, perBlock: img.perBlock },
    text: { weights, positions, eos, blocks: textBlocks.length, perBlock: txt.perBlock },
    outputs: r.outputs,
  };
}

/** Grad-ECLIP maps of one (image, caption) pair of a dual encoder: `feeds` hold one image and one tokenised caption. */
export async function gradEclip(spec: DualEncoderSpec, feeds: Feeds, opts: GradEclipOptions = {}): Promise<ImageTextExplanation> {
  const sim = similarityModel(spec.model, spec.imageOutput ?? 'image_embeds', spec.textOutput ?? 'text_embeds');
  const of: Target = { output: SIMILARITY_OUTPUT, seed: tensor('float32', [1, 1], [1]) };
  const r = await gradEclipOf(sim, feeds, of, { ...opts, imageInput: spec.imageInput, textInput: spec.textInput, outputs: [SIMILARITY_OUTPUT] });
  const similarity = Number(r.outputs[SIMILARITY_OUTPUT].data[0]);
  if (!Number.isFinite(similarity)) throw new GradlocError('BAD_INPUT', 'the similarity is not finite (a zero embedding?): nothing to explain');
  return { similarity, image: r.image, text: r.text };
}
