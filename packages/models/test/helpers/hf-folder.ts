/**
 * A Hugging Face-style OWL-ViT export folder made from the shipped shapes-grounder
 * (onnx/model.onnx as it is: fixed query length, no attention_mask; the tokenizer files
 * export-hf writes; a preprocessor_config.json that normalises). Shared by the
 * loader tests here and the dashboard's (a server-configured Hugging Face grounder); with
 * `model` = 'shapes-clip', a Hugging Face CLIP-style folder the same way.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { modelDir, shapesTokenizerFiles } from '../../src/index.js';

export function writeHfGrounderFolder(dir: string, pixels: { mean: number[]; std: number[] }, model = 'shapes-grounder'): void {
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  copyFileSync(join(modelDir(model), 'model.onnx'), join(dir, 'onnx', 'model.onnx'));
  for (const [file, json] of Object.entries(shapesTokenizerFiles(model === 'shapes-clip' ? 16 : 8))) writeFileSync(join(dir, file), JSON.stringify(json));
  writeFileSync(join(dir, 'preprocessor_config.json'), JSON.stringify({ image_processor_type: 'OwlViTImageProcessor', do_resize: true, size: { height: 96, width: 96 }, resample: 2, do_rescale: true, rescale_factor: 1 / 255, do_normalize: true, image_mean: pixels.mean, image_std: pixels.std }));
}
