/**
 * One entry for explaining an image-text score with every vision-language method, on the two
 * model families the project serves:
 * - dual encoders (CLIP-style: the zoo's shapes-clip, Hugging Face CLIP exports): the score is
 *   the cosine of the image and text embeddings (similarity-model.ts);
 * - grounders (OWL-ViT-style: the zoo's shapes-grounder, Hugging Face OWL-ViT exports): the
 *   score is one box's logit for the query, by default the best box's.
 *
 * Methods: `gradeclip` (grad-eclip.ts), `mmel` (mmel.ts, the project's MMEL-style definition),
 * and the baselines `gradcam` (Grad-CAM on the input of the image tower's last block, as
 * Grad-ECLIP's comparison and pytorch-grad-cam's ViT recipe), `attention` and `rollout`
 * (attention-maps.ts). Every map comes back on the patch grid and at the image's size, min-max
 * scaled to [0, 1] on the grid and after the bilinear upsampling (as the CAMs, base-cam.ts).
 */
import { GradlocError, resizeBilinear, tensor, type Feeds, type Graph, type OnnxModel, type Target, type Tensor } from '@gradloc/tensor-backend';
import { imageInput as findImageInput } from '../cam/base-cam.js';
import { minMaxNormalize } from '../image/normalize.js';
import { createMethod } from '../methods.js';
import type { TokenLayout } from '../spatial.js';
import { elementTarget } from '../target.js';
import { findAttentionBlocks, towerBlocks } from './attention-blocks.js';
import { attentionMaps } from './attention-maps.js';
import { gradEclipOf, type TextSideMap } from './grad-eclip.js';
import { combineLayers, mmelLayerMaps, type MmelOptions } from './mmel.js';
import { SIMILARITY_OUTPUT, similarityModel } from './similarity-model.js';

export const VL_METHODS = ['gradeclip', 'mmel', 'gradcam', 'attention', 'rollout'] as const;
export type VlMethod = (typeof VL_METHODS)[number];

export const isVlMethod = (m: string): m is VlMethod => (VL_METHODS as readonly string[]).includes(m);

/** What is explained. */
export type ImageTextScore =
  | { readonly kind: 'similarity'; readonly imageOutput?: string; readonly textOutput?: string }
  /** A grounder's logits [1, P, Q]: box `box` (default: the best for `query`) of query `query` (default 0). */
  | { readonly kind: 'box'; readonly output?: string; readonly box?: number; readonly query?: number };

export interface ImageTextRequest {
  readonly model: OnnxModel;
  /** One image and one text (input_ids, and attention_mask when the model takes one). */
  readonly feeds: Feeds;
  readonly score: ImageTextScore;
  /** Inputs of the two towers (default 'pixel_values', 'input_ids'). */
  readonly imageInput?: string;
  readonly textInput?: string;
  readonly imageTokens?: TokenLayout;
}

export interface ImageTextOptions {
  /** Grad-ECLIP: last n image blocks (default 1), text blocks (default 8). */
  readonly imageBlocks?: number;
  readonly textBlocks?: number;
  readonly mmel?: MmelOptions;
}

export interface ImageTextMap {
  readonly method: VlMethod;
  /** The explained score (the cosine, or the box logit). */
  readonly score: number;
  /** What the score is, in words. */
  readonly scoreDescription: string;
  /** [rows, cols] patch-grid map in [0, 1]. */
  readonly grid: { readonly map: Float32Array; readonly rows: number; readonly cols: number };
  /** The map at the image input's size [H, W], in [0, 1]. */
  readonly map: Float32Array;
  readonly height: number;
  readonly width: number;
  /** Caption token weights (gradient methods; absent for the attention baselines). */
  readonly text?: TextSideMap;
  /** MMEL-style: the per-block multi-scale maps M~_l the layer weights combine (calibrateMmel's input). */
  readonly layers?: readonly Float32Array[];
  /** The model and target that score the image (what the deletion/insertion metrics run). */
  readonly scoring: { readonly model: OnnxModel; readonly output: string; readonly index: readonly number[] };
  /** Findings such as an all-zero map (which is returned, never silently). */
  readonly warnings: readonly string[];
}

/** Grid map -> [0, 1] on the grid, bilinear to H x W, [0, 1] again (as every CAM). */
export function gridToImage(grid: Float32Array, rows: number, cols: number, height: number, width: number): { grid: Float32Array; map: Float32Array } {
  const g = minMaxNormalize(Float32Array.from(grid, (v) => (v > 0 ? v : 0)));
  return { grid: g, map: minMaxNormalize(resizeBilinear(g, 1, rows, cols, height, width)) };
}

/**
 * The tensor feeding the MatMul that makes the key projection `k` (the block's normalised
 * input; the key, unlike the query, is never scaled), or k itself.
 */
function blockInputOf(graph: Graph, k: string): string {
  const producers = new Map(graph.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
  const constant = (name: string): boolean => graph.initializers.has(name) || producers.get(name)?.op === 'Constant';
  let cur = k;
  for (let hops = 0; hops < 4; hops++) {
    const node = producers.get(cur);
    if (!node) break;
    const data = node.inputs.filter((i) => i && !constant(i));
    if (node.op === 'MatMul' || node.op === 'Gemm') return data[0] ?? k;
    if (node.op !== 'Add' || data.length !== 1) break;
    cur = data[0];
  }
  return k;
}

/** The model and scalar the request explains: an output element of a model. */
interface Scoring {
  readonly model: OnnxModel;
  readonly output: string;
  /** The scalar's index in the output, batch axis first. */
  readonly index: number[];
  readonly dims: readonly number[];
  /** Its value, when finding it took a forward pass. */
  readonly value?: number;
  readonly description: string;
}

async function scoringOf(req: ImageTextRequest): Promise<Scoring> {
  const s = req.score;
  if (s.kind === 'similarity') {
    const model = similarityModel(req.model, s.imageOutput ?? 'image_embeds', s.textOutput ?? 'text_embeds');
    return { model, output: SIMILARITY_OUTPUT, index: [0, 0], dims: [1, 1], description: 'cosine similarity of the image and text embeddings' };
  }
  const output = s.output ?? 'logits';
  const query = s.query ?? 0;
  const out = await req.model.run(req.feeds, [output]);
  const t = out[output];
  if (t.dims.length !== 3 || t.dims[0] !== 1) throw new GradlocError('BAD_MODEL', `a grounder's '${output}' must be [1, boxes, queries], got [${t.dims.join(', ')}]`);
  const [, P, Q] = t.dims;
  if (!(Number.isInteger(query) && query >= 0 && query < Q)) throw new GradlocError('BAD_INPUT', `query ${query} is out of range (${Q} queries)`);
  let box = s.box;
  if (box === undefined) {
    box = 0;
    for (let p = 1; p < P; p++) if (Number(t.data[p * Q + query]) > Number(t.data[box * Q + query])) box = p;
  }
  if (!(Number.isInteger(box) && box >= 0 && box < P)) throw new GradlocError('BAD_INPUT', `box ${box} is out of range (${P} boxes)`);
  return { model: req.model, output, index: [0, box, query], dims: t.dims, value: Number(t.data[box * Q + query]), description: `logit of box ${box} for query ${query}` };
}

const seedAt = (dims: readonly number[], index: readonly number[]): Target['seed'] => {
  const t = tensor('float32', dims);
  let flat = 0;
  index.forEach((v, i) => (flat = flat * dims[i] + v));
  (t.data as Float32Array)[flat] = 1;
  return t;
};

/**
 * MMEL-style cross-modal alignment by words: sum over the caption's tokens p of tau_p M~_l(p),
 * M~_l(p) the multi-scale layer maps for the one-word text [first id, id_p, EOS id] (same
 * length, the rest padded as the caption is, masked when the model takes a mask), tau the
 * Grad-ECLIP text weights. Linear in the layer maps, so the layer weights apply after it. One
 * backward pass per word with a positive weight; the caption's own maps when none has one.
 */
async function wordAligned(feeds: Feeds, textInput: string, text: TextSideMap, caption: Float32Array[], layersOf: (f: Feeds) => Promise<Float32Array[]>): Promise<Float32Array[]> {
  const ids = feeds[textInput];
  const L = ids.dims[1];
  const at = (i: number): bigint => BigInt(ids.data[i] as bigint | number);
  const pad = text.eos + 1 < L ? at(text.eos + 1) : 0n;
  const mask = feeds.attention_mask;
  const out = caption.map((m) => new Float32Array(m.length));
  let used = 0;
  for (const [i, p] of text.positions.entries()) {
    const w = text.weights[i];
    if (!(w > 0)) continue;
    const word = Array.from({ length: L }, (_, j) => (j === 0 ? at(0) : j === 1 ? at(p) : j === 2 ? at(text.eos) : pad));
    const f: Record<string, Tensor> = { ...feeds, [textInput]: tensor('int64', [1, L], BigInt64Array.from(word)) };
    if (mask) f.attention_mask = tensor('int64', [1, L], BigInt64Array.from({ length: L }, (_, j) => (j < 3 ? 1n : 0n)));
    const maps = await layersOf(f);
    maps.forEach((m, l) => m.forEach((v, k) => (out[l][k] += w * v)));
    used++;
  }
  return used > 0 ? out : caption;
}

/** The map of one method for one image-text pair. */
export async function explainImageText(req: ImageTextRequest, method: VlMethod, opts: ImageTextOptions = {}): Promise<ImageTextMap> {
  const { name: imageName, tensor: image } = findImageInput(req.model, req.feeds, req.imageInput);
  if (image.dims[0] !== 1) throw new GradlocError('BAD_INPUT', `explain one image at a time; '${imageName}' has a batch of ${image.dims[0]}`);
  const [, , height, width] = image.dims;
  const scoring = await scoringOf(req);
  const { model } = scoring;
  const towers = { imageInput: imageName, textInput: req.textInput ?? 'input_ids' };
  const flat = scoring.index.reduce((f, v, i) => f * scoring.dims[i] + v, 0);
  const valueIn = (outputs: Readonly<Record<string, { readonly data: ArrayLike<number | bigint> }>>): number => Number(outputs[scoring.output].data[flat]);
  let score = scoring.value ?? NaN;
  const of: Target = { output: scoring.output, seed: seedAt(scoring.dims, scoring.index) };
  const warnings: string[] = [];
  let grid: Float32Array;
  let rows: number;
  let cols: number;
  let text: TextSideMap | undefined;
  let layers: Float32Array[] | undefined;

  if (method === 'gradeclip' || method === 'mmel') {
    const mm = method === 'mmel' ? opts.mmel ?? {} : undefined;
    const eclip = (feeds: Feeds) =>
      gradEclipOf(model, feeds, of, {
        ...towers,
        imageTokens: req.imageTokens,
        imageBlocks: mm ? mm.blocks ?? 4 : opts.imageBlocks,
        textBlocks: mm ? mm.textBlocks ?? opts.textBlocks : opts.textBlocks,
        outputs: [scoring.output],
      });
    const r = await eclip(req.feeds);
    score = valueIn(r.outputs);
    ({ rows, cols } = r.image);
    layers = mm ? mmelLayerMaps(r.image, mm) : undefined;
    if (mm?.alignment === 'words' && layers) layers = await wordAligned(req.feeds, towers.textInput, r.text, layers, async (f) => mmelLayerMaps((await eclip(f)).image, mm));
    grid = layers ? combineLayers(layers, mm?.layerLogits) : r.image.map;
    text = r.text;
    if (text.weights.length > 0 && !text.weights.some((w) => w > 0)) warnings.push(`${method}: text side: no caption token has a positive weight (every token lowers the score at the explained blocks)`);
  } else if (method === 'gradcam') {
    const blocks = towerBlocks(model.graph, req.feeds, imageName, findAttentionBlocks(model.graph, req.feeds));
    const layer = blockInputOf(model.graph, blocks[blocks.length - 1].k);
    const cam = await createMethod('gradcam').explain({ model, feeds: req.feeds, input: imageName, target: elementTarget(scoring.output, scoring.index.slice(1)), layers: [{ name: layer, tokens: req.imageTokens }] });
    warnings.push(...cam.warnings);
    score = cam.scores[0];
    return { method, score, scoreDescription: scoring.description, grid: { map: cam.maps, rows: height, cols: width }, map: cam.maps, height, width, scoring, warnings };
  } else {
    const a = await attentionMaps(req.model, req.feeds, { input: imageName, imageTokens: req.imageTokens });
    if (Number.isNaN(score)) score = valueIn(await model.run(req.feeds, [scoring.output]));
    ({ rows, cols } = a);
    grid = method === 'attention' ? a.attention : a.rollout;
  }
  if (!grid.some((v) => v > 0)) warnings.push(`${method}: the map is all zeros (no patch has a positive score): nothing in the image raises the score at the explained blocks`);
  const up = gridToImage(grid, rows, cols, height, width);
  return { method, score, scoreDescription: scoring.description, grid: { map: up.grid, rows, cols }, map: up.map, height, width, text, layers, scoring, warnings };
}
