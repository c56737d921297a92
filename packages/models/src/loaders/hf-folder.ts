/**
 * Hugging Face OWL-ViT-style export folders on disk (what `optimum` / transformers.js exports
 * write): `onnx/model.onnx` (or `model.onnx`) taking pixel_values + input_ids (+ attention_mask)
 * and returning `logits` [B, P, Q] + `pred_boxes`, with the folder's own `tokenizer.json`
 * (read by @huggingface/tokenizers, pure JS, no network) and `preprocessor_config.json`
 * (image_mean / image_std, applied by the adapter since these graphs take normalised pixels).
 */
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { Tokenizer, type Encoding } from '@huggingface/tokenizers';
import { GradlocError, OnnxModel, tensor, type Feeds, type RuntimeOptions } from '@gradloc/tensor-backend';
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

function readJson(path: string, required: boolean): Record<string, unknown> {
  if (!existsSync(path)) {
    if (required) throw new GradlocError('FILE_NOT_FOUND', `cannot read ${path}`);
    return {};
  }
  try {
    return JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  } catch (e) {
    throw new GradlocError('BAD_MODEL', `${path} is not JSON (${(e as Error).message})`);
  }
}

/** preprocessor_config `size`: a number, or { height, width } / { shortest_edge } (square). */
function sizeOf(v: unknown): { height: number; width: number } | undefined {
  if (typeof v === 'number') return { height: v, width: v };
  const o = v as { height?: number; width?: number; shortest_edge?: number } | undefined;
  if (o && typeof o.height === 'number' && typeof o.width === 'number') return { height: o.height, width: o.width };
  if (o && typeof o.shortest_edge === 'number') return { height: o.shortest_edge, width: o.shortest_edge };
  return undefined;
}

const triple = (v: unknown): readonly [number, number, number] | undefined =>
  Array.isArray(v) && v.length === 3 && v.every((x) => typeof x === 'number') ? [v[0], v[1], v[2]] : undefined;

export function openHfGrounder(dir: string, runtime: RuntimeOptions = {}): GrounderSource {
  const file = hfGrounderFile(dir);
  if (!file) throw new GradlocError('MODEL_NOT_FOUND', `${dir} has no onnx/model.onnx (nor model.onnx)`);
  const tokenizerConfig = readJson(join(dir, 'tokenizer_config.json'), false);
  const tokenizerJson = readJson(join(dir, 'tokenizer.json'), true);
  const tokenizer = new Tokenizer(tokenizerJson, tokenizerConfig);
  const pre = readJson(join(dir, 'preprocessor_config.json'), false);
  const mean = triple(pre.image_mean);
  const std = triple(pre.image_std);
  const model = OnnxModel.load(file, runtime);
  const ids = model.graph.inputs.find((i) => i.name === 'input_ids');
  if (!ids) {
    void model.release();
    throw new GradlocError('BAD_MODEL', `${file} has no input_ids input (inputs: ${model.inputNames.join(', ')})`);
  }
  const fixed = ids.dims?.[1];
  const withMask = model.inputNames.includes('attention_mask');
  const padId = Number((tokenizerJson.padding as { pad_id?: number } | null)?.pad_id ?? 0);
  return {
    name: basename(dir),
    model,
    normalize: pre.do_normalize !== false && mean && std ? { mean, std } : undefined,
    size: sizeOf(pre.size),
    queryTokens: (query) => [...tokenizer.encode(query).tokens],
    encodeQuery: (query) => {
      if (query.trim() === '') throw new GradlocError('BAD_INPUT', 'the query is empty');
      const enc: Encoding = tokenizer.encode(query);
      const unknown = enc.tokens.filter((_: string, i: number) => enc.ids[i] === undefined);
      if (unknown.length) throw new GradlocError('BAD_INPUT', `the tokenizer has no id for: ${unknown.join(', ')}`);
      const length = typeof fixed === 'number' ? fixed : enc.ids.length;
      if (enc.ids.length > length) throw new GradlocError('BAD_INPUT', `the query is ${enc.ids.length} tokens; the model takes at most ${length}`);
      const pad = Array.from({ length: length - enc.ids.length }, () => padId);
      const feeds: Record<string, ReturnType<typeof tensor>> = { input_ids: tensor('int64', [1, length], [...enc.ids, ...pad]) };
      if (withMask) feeds.attention_mask = tensor('int64', [1, length], [...enc.ids.map(() => 1), ...pad.map(() => 0)]);
      return feeds as Feeds;
    },
  };
}
