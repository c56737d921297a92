/**
 * `gradloc export-hf`: a zoo grounder or CLIP-style model as a Hugging Face folder that
 * transformers.js loads as-is (models' hf/export-folder.ts). Prints one JSON line: the folder,
 * the model type and the files written.
 */
import { exportHfFolder } from '@gradloc/models';
import { MODELS_FLAG, modelsOption, parseFlags, requireString } from '../args.js';
import type { Command } from '../command.js';

const HELP = `Usage: gradloc export-hf --model NAME|PATH --out DIR [--overwrite] [--models DIR]

Writes DIR in the layout transformers.js (@huggingface/transformers) loads with
env.allowRemoteModels = false: config.json (model_type owlvit for a grounder, clip for a
CLIP-style dual encoder), preprocessor_config.json, tokenizer.json + tokenizer_config.json,
onnx/model.onnx, and for a GWQ-quantized model onnx/model_quantized.onnx (dtype 'q8') beside
its FP32 source. The graphs take pixel_values, input_ids, attention_mask; a grounder returns
logits, pred_boxes, text_embeds, image_embeds, a CLIP model logits_per_image,
logits_per_text, text_embeds, image_embeds. Prints {"dir", "model_type", "files"}.

  --model M      a zoo model (shapes-grounder, shapes-grounder-gwq4, shapes-clip), a model
                 folder with card.json, or its model.onnx
  --out DIR      the folder to write (written aside, then moved into place)
  --overwrite    replace DIR if it exists (default: refuse)
  --models DIR   the models folder for a name (default: $GRADLOC_MODELS, else a gradloc
                 checkout's models/)

In transformers.js: pipeline('zero-shot-object-detection', DIR) (or
'zero-shot-image-classification' with hypothesis_template '{}': the shapes vocabulary has
no "this is a photo of").`;

const FLAGS = {
  model: { type: 'string' },
  out: { type: 'string' },
  overwrite: { type: 'boolean' },
  ...MODELS_FLAG,
  help: { type: 'boolean', short: 'h' },
} as const;

export const exportHfCommand: Command = {
  name: 'export-hf',
  summary: 'a grounder or CLIP model as a Hugging Face folder transformers.js loads as-is',
  help: HELP,
  async run(argv, io) {
    const f = parseFlags('export-hf', argv, FLAGS);
    if (f.help) {
      io.out(HELP);
      return 0;
    }
    const model = requireString('export-hf', f, 'model');
    const out = requireString('export-hf', f, 'out');
    const r = exportHfFolder({ model, out, overwrite: f.overwrite === true, ...modelsOption(f) });
    io.err(`export-hf: ${model} -> ${r.dir} (${r.kind}, ${r.files.length} files)`);
    io.out(JSON.stringify({ dir: r.dir, model_type: r.kind, files: r.files }));
    return 0;
  },
};
