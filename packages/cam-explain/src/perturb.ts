/**
 * Batched forward passes over perturbed copies of one batch item's image: what Score-CAM,
 * Ablation-CAM, the deletion/insertion and ROAD metrics and D-RISE-style baselines all run.
 * Copies go through the model `batchSize` at a time; other inputs that share the image's
 * symbolic batch dimension get the item's row repeated, the rest are fed unchanged.
 */
import { GradlocError, tensor, type Feeds, type OnnxModel, type RuleOverrides, type Tensor } from '@gradloc/tensor-backend';
import type { CamTarget } from './target.js';
import { capture, withOutputs } from './capture.js';

export interface PerturbRequest {
  readonly model: OnnxModel;
  readonly feeds: Feeds;
  /** The image input. */
  readonly input: string;
  /** A frozen target (see CamTarget.freeze). */
  readonly target: CamTarget;
  /** Copies per forward pass (default 32; 1 when the model's batch is fixed). */
  readonly batchSize?: number;
  /** 'score' (metrics) or 'value' (the differentiated quantity, e.g. a logit). */
  readonly measure?: 'score' | 'value';
  /** Run this model instead (same inputs plus `extra`'s), e.g. Ablation-CAM's masked graph. */
  readonly runModel?: OnnxModel;
  /** Feeds for copies start .. start + rows - 1 that the model needs besides the originals. */
  readonly extra?: (start: number, rows: number) => Record<string, Tensor>;
}

/** Writes copy i of item b's image into `dst` ([C, H, W]); `src` is the item's original image. */
export type Fill = (i: number, dst: Float32Array, src: Float32Array) => void;

function batchedInputs(model: OnnxModel, input: string): Set<string> {
  const info = model.graph.inputs;
  const first = info.find((i) => i.name === input)?.dims?.[0];
  if (typeof first !== 'string') return new Set();
  return new Set(info.filter((i) => i.dims?.[0] === first).map((i) => i.name));
}

function repeatRow(t: Tensor, b: number, rows: number): Tensor {
  const per = t.data.length / t.dims[0];
  const src = t.data.subarray(b * per, (b + 1) * per);
  const out = tensor(t.dtype, [rows, ...t.dims.slice(1)]);
  for (let r = 0; r < rows; r++) (out.data as Float32Array).set(src as Float32Array, r * per);
  return out;
}

interface Chunk {
  /** Index of the chunk's first copy. */
  readonly start: number;
  readonly rows: number;
  readonly feeds: Record<string, Tensor>;
}

/** Item b's copies in feeds of at most `batchSize` rows (1 when the model's batch is fixed). */
function* chunks(req: PerturbRequest, b: number, count: number, fill: Fill): Generator<Chunk> {
  const image = req.feeds[req.input];
  if (!image || image.dims.length !== 4) throw new GradlocError('BAD_INPUT', `image input '${req.input}' must be fed as [B, C, H, W]`);
  const batched = batchedInputs(req.model, req.input);
  const size = batched.has(req.input) ? Math.max(1, req.batchSize ?? 32) : 1;
  const per = image.data.length / image.dims[0];
  const src = itemImage(image, b);
  for (let start = 0; start < count; start += size) {
    const rows = Math.min(size, count - start);
    const data = new Float32Array(rows * per);
    for (let r = 0; r < rows; r++) fill(start + r, data.subarray(r * per, (r + 1) * per), src);
    const feeds: Record<string, Tensor> = {};
    for (const [name, t] of Object.entries(req.feeds)) feeds[name] = batched.has(name) && name !== req.input ? repeatRow(t, b, rows) : t;
    Object.assign(feeds, req.extra?.(start, rows));
    feeds[req.input] = tensor(image.dtype, [rows, ...image.dims.slice(1)], image.dtype === 'float32' ? data : Array.from(data));
    yield { start, rows, feeds };
  }
}

/** Scores of `count` perturbed copies of item b. */
export async function perturbedScores(req: PerturbRequest, b: number, count: number, fill: Fill): Promise<Float64Array> {
  const names = [...new Set([req.target.output, ...(req.target.reads ?? [])])];
  const model = withOutputs(req.runModel ?? req.model, names, req.feeds);
  const target = req.target.select(b);
  const out = new Float64Array(count);
  for (const { start, feeds } of chunks(req, b, count, fill)) {
    const outputs = await model.run(feeds, names);
    out.set(req.measure === 'value' ? target.value(outputs) : target.score(outputs), start);
  }
  return out;
}

/** The image tensor of item b as float32 [C, H, W]. */
export function itemImage(image: Tensor, b: number): Float32Array {
  const per = image.data.length / image.dims[0];
  return Float32Array.from(image.data.subarray(b * per, (b + 1) * per) as ArrayLike<number>);
}

/**
 * Gradients of item b's (selected, frozen) target w.r.t. the image for `count` modified copies
 * ([count, C, H, W]), batched like perturbedScores. `overrides` changes backward rules
 * (guided backprop).
 */
export async function perturbedInputGradients(
  req: PerturbRequest & { readonly overrides?: RuleOverrides; readonly overridesKey?: string },
  b: number,
  count: number,
  fill: Fill,
): Promise<Float32Array> {
  const target = req.target.select(b);
  const image = req.feeds[req.input];
  const per = image ? image.data.length / image.dims[0] : 0;
  const out = new Float32Array(count * per);
  for (const { start, rows, feeds } of chunks(req, b, count, fill)) {
    const cap = await capture(req.model, feeds, target, { layers: [], extraWrt: [req.input], overrides: req.overrides, overridesKey: req.overridesKey });
    const g = cap.extra[req.input].data as ArrayLike<number>;
    for (let i = 0; i < rows * per; i++) out[start * per + i] = g[i];
  }
  return out;
}
