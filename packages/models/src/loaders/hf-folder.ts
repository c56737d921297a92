/**
 * Hugging Face export folders on disk (what `optimum`, transformers.js or `gradloc export-hf`
 * write): `onnx/model.onnx` (or `model.onnx`) taking pixel_values + input_ids (+ attention_mask),
 * with the folder's tokenizer and image processor, loaded by transformers.js itself
 * (`AutoTokenizer`, `AutoImageProcessor`, local files only: nothing is fetched). The processor
 * resizes exactly as the library's pipelines do (OWLv2: padded to a square first, as its
 * reference processor does; see padToSquare); its mean/std is applied by
 * the detector adapter after gradloc's own pixel edits (VPS masks, CAM baselines work on
 * [0, 1] pixels).
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { GradlocError, OnnxModel, planarFromRgb, tensor, type Feeds, type Tensor, type PreparedPicture, type RgbImage, type RuntimeOptions } from '@gradloc/tensor-backend';
import type { RawImage } from '@huggingface/transformers';
import type { GrounderSource, PhraseText } from './grounder.js';

const MODEL_FILES = ['onnx/model.onnx', 'model.onnx'];

/** The export's model file (onnx/model.onnx, else model.onnx), if it has one. */
export function hfGrounderFile(dir: string): string | undefined {
  const found = MODEL_FILES.find((f) => existsSync(join(dir, f)));
  return found === undefined ? undefined : join(dir, found);
}

const DUAL_ENCODER_TYPES = new Set(['clip', 'siglip', 'chinese_clip', 'jina_clip']);

/**
 * What a Hugging Face folder holds, from its config.json `model_type`: a dual encoder (clip,
 * siglip, ...) or a grounder (owlvit, owlv2, grounding-dino, and folders without a config).
 */
export function hfFolderKind(dir: string): { readonly kind: 'grounder' | 'dual-encoder'; readonly modelType?: string } {
  const path = join(dir, 'config.json');
  if (!existsSync(path)) return { kind: 'grounder' };
  let modelType: unknown;
  try {
    modelType = (JSON.parse(readFileSync(path, 'utf8')) as { model_type?: unknown }).model_type;
  } catch (e) {
    throw new GradlocError('BAD_MODEL', `${path} is not JSON (${(e as Error).message})`);
  }
  if (typeof modelType !== 'string') return { kind: 'grounder' };
  return { kind: DUAL_ENCODER_TYPES.has(modelType) ? 'dual-encoder' : 'grounder', modelType };
}

export function isHfGrounderFolder(dir: string): boolean {
  return existsSync(join(dir, 'tokenizer.json')) && hfGrounderFile(dir) !== undefined;
}

type Triple = readonly [number, number, number];
const triple = (v: unknown): Triple | undefined => (Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number') ? [v[0], v[1], v[2]] : undefined);

/** The processor's output size: crop_size when it crops, else size ({ height, width } or a square shortest_edge). */
function outputSize(p: { do_center_crop?: boolean; crop_size?: unknown; size?: unknown }): { height: number; width: number } | undefined {
  const v = p.do_center_crop ? p.crop_size : p.size;
  if (typeof v === 'number') return { height: v, width: v };
  const o = v as { height?: number; width?: number; shortest_edge?: number } | undefined;
  if (o && typeof o.height === 'number' && typeof o.width === 'number') return { height: o.height, width: o.width };
  if (o && typeof o.shortest_edge === 'number') return { height: o.shortest_edge, width: o.shortest_edge };
  return undefined;
}

/** What this loader reads of transformers.js's image processor (its fields are the config's). */
interface ImageProcessorLike {
  do_normalize?: boolean;
  image_mean?: unknown;
  image_std?: unknown;
  do_center_crop?: boolean;
  crop_size?: unknown;
  size?: unknown;
  resample?: Resample;
  config?: { image_processor_type?: unknown; feature_extractor_type?: unknown };
  (images: unknown): Promise<{ pixel_values: { dims: number[]; data: ArrayLike<number> } }>;
}

type Resample = 0 | 1 | 2 | 3 | 4 | 5;

/**
 * OWLv2's preprocessing (transformers' Owlv2ImageProcessor): the picture padded at the bottom
 * and right to a square of grey 0.5, then resized to the input. Done here as resize-then-pad
 * (the picture resized to its share of the input, the rest 0.5: the same pixels up to the
 * resampling at the picture's edge, and an exact 0.5), because transformers.js's own OWLv2
 * processor stretches pictures to the square instead.
 */
async function padToSquare(image: RawImage, side: number, resample: Resample): Promise<PreparedPicture> {
  const longest = Math.max(image.width, image.height);
  const [w, h] = [Math.max(1, Math.round((side * image.width) / longest)), Math.max(1, Math.round((side * image.height) / longest))];
  const small = await image.resize(w, h, { resample });
  const plane = side * side;
  const data = new Float32Array(3 * plane).fill(0.5);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let c = 0; c < 3; c++) data[c * plane + y * side + x] = small.data[3 * (y * w + x) + c] / 255;
  return { image: { data, height: side, width: side }, region: [0, 0, w / side, h / side] };
}

/**
 * A picture resized to width x height exactly as transformers.js's image processors resize
 * (RawImage.resize: sharp's affine transform, bilinear for resample 2), in [0, 1]: the zoo's
 * grounders are served this way, so `gradloc detect` and the transformers.js pipeline on an
 * exported folder (whose preprocessor_config says the same) see the same pixels at any size.
 */
export async function resizeLikePipelines(picture: RgbImage, width: number, height: number, resample: Resample = 2): Promise<PreparedPicture> {
  if (picture.width === width && picture.height === height) return { image: planarFromRgb(picture, width, height) };
  const tf = await transformers();
  const raw = new tf.RawImage(new Uint8ClampedArray(picture.data.buffer, picture.data.byteOffset, picture.data.length), picture.width, picture.height, 3);
  const small = await raw.resize(width, height, { resample });
  return { image: planarFromRgb({ width, height, data: new Uint8Array(small.data.buffer, small.data.byteOffset, small.data.length) }, width, height) };
}

async function transformers(): Promise<typeof import('@huggingface/transformers')> {
  // loaded on first use: most callers never open a Hugging Face folder
  return import('@huggingface/transformers');
}

export async function openHfGrounder(spec: string, runtime: RuntimeOptions = {}): Promise<GrounderSource> {
  const dir = resolve(spec);
  const file = hfGrounderFile(dir);
  if (!file) throw new GradlocError('MODEL_NOT_FOUND', `${spec} has no onnx/model.onnx (nor model.onnx)`);
  if (!existsSync(join(dir, 'preprocessor_config.json'))) throw new GradlocError('BAD_MODEL', `${spec} has no preprocessor_config.json (the image processor transformers.js needs)`);
  const tf = await transformers();
  const local = { local_files_only: true } as const;
  let tokenizer: Awaited<ReturnType<typeof tf.AutoTokenizer.from_pretrained>>;
  let processor: ImageProcessorLike;
  try {
    tokenizer = await tf.AutoTokenizer.from_pretrained(dir, local);
    processor = (await tf.AutoImageProcessor.from_pretrained(dir, local)) as unknown as ImageProcessorLike;
  } catch (e) {
    throw new GradlocError('BAD_MODEL', `${spec}: transformers.js cannot load its tokenizer or image processor (${(e as Error).message})`);
  }
  const mean = triple(processor.image_mean);
  const std = triple(processor.image_std);
  const normalize = processor.do_normalize !== false && mean && std ? { mean, std } : undefined;
  processor.do_normalize = false; // applied by the adapter, after gradloc's pixel edits
  const size = outputSize(processor);
  const padsToSquare = /^Owlv2(ImageProcessor|FeatureExtractor)$/.test(String(processor.config?.image_processor_type ?? processor.config?.feature_extractor_type ?? ''));

  const model = OnnxModel.load(file, runtime);
  const ids = model.graph.inputs.find((i) => i.name === 'input_ids');
  if (!ids) {
    void model.release();
    throw new GradlocError('BAD_MODEL', `${file} has no input_ids input (inputs: ${model.inputNames.join(', ')})`);
  }
  // every query padded to one length, so several stack into one batch (OWL-ViT's processor pads
  // to max_length 16 the same way); the mask makes the padding invisible
  const fixed = ids.dims?.[1];
  const maxLength = typeof fixed === 'number' ? fixed : Number.isFinite(tokenizer.model_max_length) && tokenizer.model_max_length <= 512 ? tokenizer.model_max_length : undefined;
  const withMask = model.inputNames.includes('attention_mask');
  const unk = tokenizer.unk_token_id;
  const tokensOf = (query: string): string[] => tokenizer.tokenize(query, { add_special_tokens: true });
  const known = (query: string, ids: readonly number[]): void => {
    if (query.trim() === '') throw new GradlocError('BAD_INPUT', 'the query is empty');
    if (typeof unk === 'number' && ids.includes(unk)) {
      const unknown = query.split(/\s+/).filter((w) => w && tokenizer.encode(w, { add_special_tokens: false }).includes(unk));
      throw new GradlocError('BAD_INPUT', `the tokenizer has no id for: ${unknown.join(', ') || query}`);
    }
  };
  const encodeQuery = (query: string): Feeds => {
    const enc = tokenizer.encode(query);
    known(query, enc);
    const length = maxLength ?? enc.length;
    if (enc.length > length) throw new GradlocError('BAD_INPUT', `the query is ${enc.length} tokens; the model takes at most ${length}`);
    const pad = Array.from({ length: length - enc.length }, () => tokenizer.pad_token_id ?? 0);
    const inputIds = tensor('int64', [1, length], [...enc, ...pad]);
    return withMask ? { input_ids: inputIds, attention_mask: tensor('int64', [1, length], [...enc.map(() => 1), ...pad.map(() => 0)]) } : { input_ids: inputIds };
  };
  // Grounding DINO's contract (pixel_mask, token_type_ids; logits over the text's tokens): every
  // query a phrase of one text, "a cat. a dog.", as its processor expects
  const phraseModel = model.inputNames.includes('pixel_mask');
  const phrases = (queries: readonly string[]): PhraseText => {
    const parts = queries.map((q) => q.trim().replace(/\.+$/, ''));
    const ids = tokenizer.encode(parts.map((q) => `${q}.`).join(' '));
    if (maxLength !== undefined && ids.length > maxLength) throw new GradlocError('BAD_INPUT', `the queries are ${ids.length} tokens as one text; the model takes at most ${maxLength}`);
    let at = 0;
    const spans = parts.map((q) => {
      const own = tokenizer.encode(q, { add_special_tokens: false });
      known(q, own);
      const start = ids.findIndex((_, i) => i >= at && own.every((id, k) => ids[i + k] === id));
      if (start < 0) throw new GradlocError('BAD_MODEL', `cannot find the tokens of '${q}' in the joined text`);
      at = start + own.length;
      return own.map((_, k) => start + k);
    });
    const row = (v: (id: number) => number) => tensor('int64', [1, ids.length], ids.map(v));
    const feeds: Record<string, Tensor> = { input_ids: row((id) => id), attention_mask: row(() => 1) };
    if (model.inputNames.includes('token_type_ids')) feeds.token_type_ids = row(() => 0);
    return { feeds, spans };
  };
  return {
    name: basename(dir),
    model,
    normalize,
    size,
    prepare: async (picture: RgbImage): Promise<PreparedPicture> => {
      const image = new tf.RawImage(new Uint8ClampedArray(picture.data.buffer, picture.data.byteOffset, picture.data.length), picture.width, picture.height, 3);
      if (padsToSquare && size) return padToSquare(image, size.width, processor.resample ?? 2);
      const { pixel_values } = await processor(image);
      const [, , height, width] = pixel_values.dims;
      return { image: { data: Float32Array.from(pixel_values.data), height, width } };
    },
    queryTokens: tokensOf,
    ...(phraseModel ? { phrases, encodeQuery: (query: string) => phrases([query]).feeds } : { encodeQuery }),
  };
}
