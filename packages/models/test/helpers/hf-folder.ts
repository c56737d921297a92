/**
 * A Hugging Face-style OWL-ViT export folder made from the shipped shapes-grounder
 * (onnx/model.onnx, tokenizer.json as a WordLevel model over the shapes vocabulary with a
 * <bos>/<eos> template, tokenizer_config.json, preprocessor_config.json). Shared by the
 * loader tests here and the dashboard's (a server-configured Hugging Face grounder); with
 * `model` = 'shapes-clip', a Hugging Face CLIP-style folder the same way.
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { modelDir, shapesVocabulary } from '../../src/index.js';

export function writeHfGrounderFolder(dir: string, pixels: { mean: number[]; std: number[] }, model = 'shapes-grounder'): void {
  mkdirSync(join(dir, 'onnx'), { recursive: true });
  copyFileSync(join(modelDir(model), 'model.onnx'), join(dir, 'onnx', 'model.onnx'));
  const vocab = Object.fromEntries(shapesVocabulary().map((w, i) => [w, i]));
  const special = (t: string): { id: string; ids: number[]; tokens: string[] } => ({ id: t, ids: [vocab[t]], tokens: [t] });
  writeFileSync(
    join(dir, 'tokenizer.json'),
    JSON.stringify({
      version: '1.0',
      truncation: null,
      padding: { pad_id: vocab['<pad>'] },
      added_tokens: [],
      normalizer: { type: 'Lowercase' },
      pre_tokenizer: { type: 'Whitespace' },
      post_processor: {
        type: 'TemplateProcessing',
        single: [{ SpecialToken: { id: '<bos>', type_id: 0 } }, { Sequence: { id: 'A', type_id: 0 } }, { SpecialToken: { id: '<eos>', type_id: 0 } }],
        pair: [],
        special_tokens: { '<bos>': special('<bos>'), '<eos>': special('<eos>') },
      },
      decoder: null,
      model: { type: 'WordLevel', vocab, unk_token: '<unk>' },
    }),
  );
  writeFileSync(join(dir, 'tokenizer_config.json'), JSON.stringify({ model_max_length: 8 }));
  writeFileSync(join(dir, 'preprocessor_config.json'), JSON.stringify({ do_normalize: true, image_mean: pixels.mean, image_std: pixels.std, size: { height: 96, width: 96 } }));
}
