/**
 * Opens a CLIP-style dual encoder (the zoo's shapes-clip, a model folder with card.json, an
 * .onnx file beside one, or a Hugging Face CLIP export folder with tokenizer.json): the same
 * loading as the grounders (grounder.ts), plus the check that the graph has the two embedding
 * outputs the explanations compare.
 */
import { GradlocError } from '@gradloc/tensor-backend';
import { openTextImageModel, type GrounderSource } from './grounder.js';
import type { LoadOptions } from './load-options.js';

export const DUAL_ENCODER_OUTPUTS = ['image_embeds', 'text_embeds'] as const;

export async function openDualEncoder(spec: string, opts: LoadOptions = {}): Promise<GrounderSource> {
  const source = await openTextImageModel(spec, opts, 'dual encoder');
  const missing = DUAL_ENCODER_OUTPUTS.filter((o) => !source.model.outputNames.includes(o));
  if (missing.length) {
    void source.model.release();
    throw new GradlocError('BAD_MODEL', `${source.name} is not a dual encoder: no ${missing.join(', ')} output (outputs: ${source.model.outputNames.join(', ')})`);
  }
  return source;
}
