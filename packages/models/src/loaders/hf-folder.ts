/**
 * Hugging Face export folders on disk (what `optimum`, transformers.js or `gradloc export-hf`
 * write): `onnx/model.onnx` (or `model.onnx`) taking pixel_values + input_ids (+ attention_mask),
 * with the folder's tokenizer and image processor, loaded by transformers.js itself
 * (`AutoTokenizer`, `AutoImageProcessor`, local files only: nothing is fetched). The processor
 * resizes (and pads, OWLv2) exactly as the library's pipelines do; its mean/std is applied by
 * the detector adapter after gradloc's own pixel edits (VPS masks, CAM baselines work on
 * [0, 1] pixels).
 */
import { existsSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { GradlocError, OnnxModel, tensor, type Feeds, type PlanarImage, type RgbImage, type RuntimeOptions } from '@gradloc/tensor-backend';
import type { GrounderSource } from './grounder.js';

const MODEL_FILES = ['onnx/model.onnx', 'model.onnx'];

/** The export's model file (onnx/model.onnx, else model.onnx), if it has one. */
export function hfGrounderFile(dir: string): string | undefined {
  const found = MODEL_FILES.find((f) => existsSync(join(dir, f)));
  return found === undefined ? undefined : join(dir, found);
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
  (images: unknown): Promise<{ pixel_values: { dims: number[]; data: ArrayLike<number> } }>;
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
  return {
    name: basename(dir),
    model,
    normalize,
    size,
    prepare: async (picture: RgbImage): Promise<PlanarImage> => {
      const image = new tf.RawImage(new Uint8ClampedArray(picture.data.buffer, picture.data.byteOffset, picture.data.length), picture.width, picture.height, 3);
      const { pixel_values } = await processor(image);
      const [, , height, width] = pixel_values.dims;
      return { data: Float32Array.from(pixel_values.data), height, width };
    },
    queryTokens: tokensOf,
    encodeQuery: (query): Feeds => {
      if (query.trim() === '') throw new GradlocError('BAD_INPUT', 'the query is empty');
      const enc = tokenizer.encode(query);
      if (typeof unk === 'number' && enc.includes(unk)) {
        const unknown = query.split(/\s+/).filter((w) => w && tokenizer.encode(w, { add_special_tokens: false }).includes(unk));
        throw new GradlocError('BAD_INPUT', `the tokenizer has no id for: ${unknown.join(', ') || query}`);
      }
      const length = maxLength ?? enc.length;
      if (enc.length > length) throw new GradlocError('BAD_INPUT', `the query is ${enc.length} tokens; the model takes at most ${length}`);
      const pad = Array.from({ length: length - enc.length }, () => tokenizer.pad_token_id ?? 0);
      const inputIds = tensor('int64', [1, length], [...enc, ...pad]);
      return withMask ? { input_ids: inputIds, attention_mask: tensor('int64', [1, length], [...enc.map(() => 1), ...pad.map(() => 0)]) } : { input_ids: inputIds };
    },
  };
}
