/**
 * `gradloc clip-explain`: why a text matches an image, for CLIP-style dual encoders and
 * OWL-ViT-style grounders (Grad-ECLIP, MMEL-style, and the baselines). Thin over
 * @gradloc/cam-explain's explainText; everything is computed and encoded before the first
 * byte is written, so a failure leaves no half-written files.
 */
import { existsSync, statSync } from 'node:fs';
import { encodeNpy, encodePNG, GradlocError, overlay, tensor } from '@gradloc/tensor-backend';
import { explainText, isVlMethod, releaseSimilarityModels, VL_METHODS, type MmelOptions, type VlMethod } from '@gradloc/cam-explain';
import { MMEL_FILE, openTextImageModel, readMmelCalibration, resolveModel } from '@gradloc/models';
import { MODELS_FLAG, modelsOption, optionalChoice, optionalInt, optionalString, parseFlags, requireString, RUNTIME_FLAGS, runtimeOptions } from '../args.js';
import type { Command } from '../command.js';
import { readPicture } from '../images.js';
import { checkOutputFiles } from '../output.js';
import { writeFiles } from './cam-files.js';

const HELP = `Usage: gradloc clip-explain --model NAME|PATH --image IMG.png --text "..." --out MAP.npy
                            [--method gradeclip|mmel|gradcam|attention|rollout] [--png OVERLAY.png]
                            [--text-out TOKENS.json] [--box N] [--steps N] [--align caption|words]
                            [--models DIR]
                            [--ep EP] [--threads N]

Which regions of the image and which words of the text make them match. Prints one JSON line:
{"similarity", "insertion_auc", "deletion_auc", "ms", "method", "score", "warnings"}.

  --model M      a dual encoder (shapes-clip, a folder with card.json, a Hugging Face CLIP
                 export folder with onnx/model.onnx and tokenizer.json) or a grounder
                 (shapes-grounder, a Hugging Face OWL-ViT export folder)
  --text T       the caption (dual encoders) or query (grounders)
  --method M     gradeclip (default; Grad-ECLIP, last image block, last 8 text blocks),
                 mmel (MMEL-style: the project's definition, see cam-explain's README; layer
                 weights from the model folder's ${MMEL_FILE} when present, else equal),
                 gradcam (last block's input), attention (class-token attention), rollout
  --out MAP.npy  the map as float32 [H, W] in [0, 1], at the image's size
  --png FILE     the map over the picture
  --text-out F   the caption's token weights: {"tokens": [{"position", "token", "weight"}]}
                 (gradient methods; the attention baselines have no text side)
  --box N        grounders: the box (patch) whose logit is explained (default: the best)
  --align A      mmel's cross-modal alignment: caption (default; the whole caption's maps) or
                 words (one-word texts' maps weighted by the caption's token weights; one
                 backward pass per word)
  --steps N      chunks of the deletion/insertion curves (default 20; up to half the pixels)

"similarity" is the explained score: the image-text cosine for a dual encoder, the box's
logit for a grounder ("score" says which). Deletion replaces the most salient pixels by
random colours, insertion starts from black (lower deletion AUC and higher insertion AUC
are better); "ms" is the explanation's time without the metrics.`;

const FLAGS = {
  model: { type: 'string' },
  image: { type: 'string' },
  text: { type: 'string' },
  method: { type: 'string' },
  out: { type: 'string' },
  png: { type: 'string' },
  'text-out': { type: 'string' },
  box: { type: 'string' },
  steps: { type: 'string' },
  align: { type: 'string' },
  ...RUNTIME_FLAGS,
  ...MODELS_FLAG,
  help: { type: 'boolean', short: 'h' },
} as const;

/** The model folder's calibrated MMEL layer logits, if any (Hugging Face folders and files: equal weights). */
function mmelOptionsFor(spec: string, modelsDir: string | undefined): { options: MmelOptions; source: string } {
  let dir: string | undefined;
  try {
    dir = existsSync(spec) && statSync(spec).isDirectory() ? spec : resolveModel(spec, { modelsDir }).dir;
  } catch {
    dir = undefined; // openTextImageModel says what is wrong with the spec
  }
  const c = dir === undefined ? undefined : readMmelCalibration(dir);
  if (!c) return { options: {}, source: 'equal layer weights (no calibration file)' };
  return { options: { blocks: c.layerLogits.length, layerLogits: c.layerLogits }, source: `layer weights from ${dir}/${MMEL_FILE}` };
}

export const clipExplainCommand: Command = {
  name: 'clip-explain',
  summary: 'vision-language explanations (Grad-ECLIP, MMEL-style, Grad-CAM, attention, rollout) as .npy/PNG',
  help: HELP,
  async run(argv, io) {
    const f = parseFlags('clip-explain', argv, FLAGS);
    if (f.help) {
      io.out(HELP);
      return 0;
    }
    const spec = requireString('clip-explain', f, 'model');
    const imagePath = requireString('clip-explain', f, 'image');
    const text = requireString('clip-explain', f, 'text');
    if (text.trim() === '') throw new GradlocError('BAD_INPUT', '--text is empty');
    const out = requireString('clip-explain', f, 'out');
    const method: VlMethod = optionalChoice('clip-explain', f, 'method', VL_METHODS) ?? 'gradeclip';
    if (!isVlMethod(method)) throw new GradlocError('BAD_INPUT', `unknown --method ${method}`);
    const png = optionalString(f, 'png');
    const textOut = optionalString(f, 'text-out');
    const box = optionalInt('clip-explain', f, 'box', 0);
    const steps = optionalInt('clip-explain', f, 'steps', 1);
    const alignment = optionalChoice('clip-explain', f, 'align', ['caption', 'words'] as const);
    if (alignment !== undefined && method !== 'mmel') throw new GradlocError('BAD_INPUT', '--align applies to --method mmel only');
    checkOutputFiles([out, png, textOut]);
    const picture = await readPicture(imagePath);
    const { modelsDir } = modelsOption(f);
    const mmel = method === 'mmel' ? mmelOptionsFor(spec, modelsDir) : undefined;
    const source = await openTextImageModel(spec, { runtime: runtimeOptions('clip-explain', f), modelsDir }, 'vision-language model');
    try {
      const r = await explainText({ source, picture, text, methods: [method], box, metrics: { steps }, options: { mmel: { ...mmel?.options, alignment } } });
      const m = r.methods[0];
      const files = [{ path: out, bytes: encodeNpy(tensor('float32', [r.height, r.width], m.map)) }];
      if (png !== undefined) files.push({ path: png, bytes: await encodePNG(overlay(picture, { width: r.width, height: r.height, data: m.map }, {})) });
      if (textOut !== undefined) files.push({ path: textOut, bytes: new TextEncoder().encode(`${JSON.stringify({ text, method, tokens: m.tokens ?? [] }, null, 1)}\n`) });
      writeFiles(files);
      io.err(`clip-explain: ${source.name} (${r.kind}), ${method}${mmel ? ` with ${mmel.source}` : ''}: ${r.scoreDescription} = ${r.score.toFixed(4)} (${m.ms.toFixed(0)} ms)`);
      for (const w of m.warnings) io.err(`gradloc: warning: ${w}`);
      io.out(JSON.stringify({ similarity: r.score, insertion_auc: m.insertionAuc, deletion_auc: m.deletionAuc, ms: Math.round(m.ms * 10) / 10, method, score: r.scoreDescription, warnings: m.warnings }));
      return 0;
    } finally {
      await releaseSimilarityModels(source.model);
      await source.model.release();
    }
  },
};
