/**
 * `gradloc export-hf`: a zoo text-image model as a folder transformers.js loads as-is
 * (`pipeline('zero-shot-object-detection' | 'zero-shot-image-classification', dir)` with
 * `env.allowRemoteModels = false`): config.json, preprocessor_config.json, the tokenizer files
 * and onnx/model.onnx in the Hugging Face contract (contract.ts). A GWQ-quantized model goes to
 * onnx/model_quantized.onnx (transformers.js's `dtype: 'q8'` file name; its other dtypes name
 * other files) beside its FP32 source as onnx/model.onnx. The folder appears whole or not at
 * all: it is written aside, then moved into place.
 */
import { existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { Graph, GradlocError, loadModel, saveModel } from '@gradloc/tensor-backend';
import { readCard, type Card } from '../card.js';
import type { ModelsOptions } from '../folder.js';
import { resolveModel } from '../loaders/resolve.js';
import { toHfContract, type HfKind } from './contract.js';
import { shapesTokenizerFiles } from './tokenizer-files.js';

export interface HfExportOptions extends ModelsOptions {
  /** A zoo model name, a model folder or its model.onnx. */
  readonly model: string;
  readonly out: string;
  /** Replace an existing folder (default false: refuse). */
  readonly overwrite?: boolean;
}

export interface HfExportReport {
  readonly dir: string;
  readonly kind: HfKind;
  /** Files written, relative to dir. */
  readonly files: readonly string[];
}

/** What the card's outputs say the model is. */
function kindOf(card: Card, name: string): HfKind {
  const outs = new Set(card.outputs.map((o) => o.name));
  if (outs.has('logits') && outs.has('pred_boxes')) return 'owlvit';
  if (outs.has('logits_per_image') && outs.has('image_embeds') && outs.has('text_embeds')) return 'clip';
  throw new GradlocError('BAD_MODEL', `${name} is neither a grounder (logits, pred_boxes) nor a CLIP-style dual encoder (image_embeds, text_embeds, logits_per_image): export-hf writes those two kinds`);
}

const positionRows = (g: Graph): number => {
  const ids = g.inputs.find((i) => i.name === 'input_ids');
  const table = [...g.initializers].find(([n]) => /(^|\.)pos_emb$/.test(n) && n.startsWith('text.'));
  const rows = table ? Number(table[1].dims?.[0]) : ids?.dims?.[1];
  if (typeof rows !== 'number' || !Number.isFinite(rows)) throw new GradlocError('BAD_MODEL', 'cannot tell the longest text the model takes (no text.pos_emb, no fixed input_ids length)');
  return rows;
};

function imageSize(g: Graph): number {
  const dims = g.inputs.find((i) => i.name === 'pixel_values')?.dims;
  const [h, w] = [dims?.[2], dims?.[3]];
  if (typeof h !== 'number' || h !== w) throw new GradlocError('BAD_MODEL', `pixel_values must be [batch, 3, S, S] with a fixed S, got [${(dims ?? []).join(', ')}]`);
  return h;
}

function configJson(kind: HfKind, card: Card, size: number, maxLength: number): object {
  const source = { name: card.name, task: card.task, metrics: card.metrics };
  return kind === 'owlvit'
    ? { model_type: 'owlvit', architectures: ['OwlViTForObjectDetection'], text_config: { max_position_embeddings: maxLength }, vision_config: { image_size: size }, gradloc: source }
    : { model_type: 'clip', architectures: ['CLIPModel'], text_config: { max_position_embeddings: maxLength }, vision_config: { image_size: size }, gradloc: source };
}

/**
 * The zoo's graphs take pixels in [0, 1] and standardise them themselves: the processor only
 * resizes (bilinear) and rescales.
 */
function preprocessorJson(kind: HfKind, size: number): object {
  return {
    image_processor_type: kind === 'owlvit' ? 'OwlViTImageProcessor' : 'CLIPImageProcessor',
    processor_class: kind === 'owlvit' ? 'OwlViTProcessor' : 'CLIPProcessor',
    do_convert_rgb: true,
    do_resize: true,
    size: { height: size, width: size },
    resample: 2,
    do_center_crop: false,
    do_rescale: true,
    rescale_factor: 1 / 255,
    do_normalize: false,
    image_mean: [0, 0, 0],
    image_std: [1, 1, 1],
  };
}

export function exportHfFolder(o: HfExportOptions): HfExportReport {
  const model = resolveModel(o.model, o);
  const card = readCard(model.dir);
  const kind = kindOf(card, model.name);
  const dir = resolve(o.out);
  if (existsSync(dir) && !o.overwrite) throw new GradlocError('BAD_INPUT', `${o.out} exists (pass overwrite to replace it)`);
  const graph = Graph.fromModel(loadModel(model.file));
  const quantizedFrom = typeof card.quantization?.source === 'string' ? card.quantization.source : undefined;
  const graphs: Record<string, Graph> = {};
  if (quantizedFrom) {
    const source = resolveModel(quantizedFrom, { modelsDir: dirname(model.dir) });
    graphs['onnx/model.onnx'] = toHfContract(Graph.fromModel(loadModel(source.file)), kind);
    graphs['onnx/model_quantized.onnx'] = toHfContract(graph, kind);
  } else {
    graphs['onnx/model.onnx'] = toHfContract(graph, kind);
  }
  const size = imageSize(graph);
  const maxLength = positionRows(graph);
  const json: Record<string, object> = {
    'config.json': configJson(kind, card, size, maxLength),
    'preprocessor_config.json': preprocessorJson(kind, size),
    ...shapesTokenizerFiles(maxLength),
  };

  const writing = join(dirname(dir), `.${basename(dir)}.writing-${process.pid}`);
  rmSync(writing, { recursive: true, force: true });
  try {
    mkdirSync(join(writing, 'onnx'), { recursive: true });
    for (const [file, g] of Object.entries(graphs)) saveModel(join(writing, file), g.toModel());
    for (const [file, v] of Object.entries(json)) writeFileSync(join(writing, file), `${JSON.stringify(v, null, 2)}\n`);
    rmSync(dir, { recursive: true, force: true });
    renameSync(writing, dir);
  } catch (e) {
    rmSync(writing, { recursive: true, force: true });
    throw e;
  }
  return { dir, kind, files: [...Object.keys(json), ...Object.keys(graphs)].sort() };
}
