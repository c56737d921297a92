/**
 * Scores a dual encoder on the first N scenes of a split: embeds every image and every
 * scene's canonical caption in chunks, then ranks in JS (retrieval.ts). The logit scale only
 * multiplies similarities, so the embeddings alone decide the ranking.
 */
import type { Metrics } from '../card.js';
import { generateSplitBatch, tokenizePhrases, type ShapesSplit } from '../data/shapes/index.js';
import { captionRetrieval } from './retrieval.js';
import type { RunForward } from './run-forward.js';

/** Images per forward run: bounds memory; results do not depend on it. */
const EVAL_CHUNK = 100;

export interface RetrievalEval {
  readonly split: ShapesSplit;
  /** Scenes 0..samples-1 of the split. */
  readonly samples: number;
  readonly maxLen: number;
  readonly embed: number;
}

/** `top1` (image -> caption) and `text_top1` (caption -> image), see retrieval.ts. */
export async function evaluateRetrieval(run: RunForward, e: RetrievalEval): Promise<Metrics> {
  const images = new Float32Array(e.samples * e.embed);
  const texts = new Float32Array(e.samples * e.embed);
  const pool: string[] = [];
  const own: (readonly string[])[] = [];
  for (let start = 0; start < e.samples; start += EVAL_CHUNK) {
    const { images: pixels, scenes } = generateSplitBatch(e.split, start, Math.min(EVAL_CHUNK, e.samples - start));
    const captions = scenes.map((s) => s.captions[0]);
    const out = await run({ pixel_values: pixels, input_ids: tokenizePhrases(captions, e.maxLen).ids }, ['image_embeds', 'text_embeds']);
    images.set(out.image_embeds.data as Float32Array, start * e.embed);
    texts.set(out.text_embeds.data as Float32Array, start * e.embed);
    pool.push(...captions);
    own.push(...scenes.map((s) => s.captions));
  }
  const r = captionRetrieval({ images, texts, dim: e.embed, pool, own });
  return { top1: r.imageToText, text_top1: r.textToImage };
}
