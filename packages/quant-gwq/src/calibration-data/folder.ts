/**
 * Calibration for a text-image model opened from a Hugging Face folder (grounders: OWL-ViT,
 * OWLv2, Grounding DINO; dual encoders: CLIP): `shapes` scenes of a split through the folder's
 * own image processor, and the 42 colour-shape phrases (those its tokenizer reads) through its
 * own tokenizer, as the model is served. The loss is distillation against the model's own outputs: query logits as
 * sigmoids and boxes as a regression (grounders), image-to-text logits as a softmax (CLIP).
 */
import { concatRows, GradlocError, imageBatch, preparePicture, tensor, type Feeds, type Tensor } from '@gradloc/tensor-backend';
import { generateScene, queryPhrases, splitSeed, toRGB8, type GrounderSource, type ShapesSplit } from '@gradloc/models';
import type { CalibrationInput } from '../calib/calibrate.js';
import { grounderOutputKinds } from './shapes.js';

/** The model's input size: fixed pixel_values dims, else the folder's processor size. */
function inputSize(source: GrounderSource): { width: number; height: number } {
  const dims = source.model.graph.inputs.find((i) => i.name === 'pixel_values')?.dims ?? [];
  const [h, w] = [dims[2], dims[3]];
  const height = typeof h === 'number' ? h : source.size?.height;
  const width = typeof w === 'number' ? w : source.size?.width;
  if (height === undefined || width === undefined) throw new GradlocError('BAD_MODEL', `${source.name}: pixel_values has no fixed size and the folder's processor gives none`);
  return { width, height };
}

/** The phrases the folder's tokenizer reads (a closed vocabulary may not know every colour). */
function readable(source: GrounderSource, phrases: readonly string[]): string[] {
  const ok = phrases.filter((p) => {
    try {
      source.encodeQuery(p);
      return true;
    } catch {
      return false;
    }
  });
  if (ok.length === 0) throw new GradlocError('BAD_MODEL', `${source.name}: the tokenizer reads none of the calibration phrases (e.g. '${phrases[0]}')`);
  return ok;
}

function textFeeds(source: GrounderSource, all: readonly string[]): Feeds {
  const phrases = readable(source, all);
  if (source.phrases) return source.phrases(phrases).feeds;
  const rows = phrases.map((p) => source.encodeQuery(p));
  return Object.fromEntries(Object.keys(rows[0]).map((n) => [n, concatRows(rows.map((r) => r[n]))]));
}

export async function folderCalibration(source: GrounderSource, split: ShapesSplit, samples: number, seed: number): Promise<CalibrationInput> {
  const outputs = source.model.outputNames;
  const dual = outputs.includes('logits_per_image') && !outputs.includes('pred_boxes');
  const kinds = dual ? { logits_per_image: 'softmax' as const } : grounderOutputKinds(source.model.graph.outputs.filter((o) => o.name === 'logits' || o.name === 'pred_boxes'));
  const text = textFeeds(source, queryPhrases('indefinite'));
  const { width, height } = inputSize(source);
  const feeds: Feeds[] = [];
  for (let i = 0; i < samples; i++) {
    // each seed takes its own stretch of the split, as shapesCalibration does
    const scene = generateScene(splitSeed(split, seed * 1000 + i));
    const picture = { width: scene.width, height: scene.height, data: toRGB8(scene) };
    const { image } = await preparePicture(picture, width, height, source.prepare);
    const f: Record<string, Tensor> = { pixel_values: imageBatch(image, source.normalize), ...text };
    if (source.model.inputNames.includes('pixel_mask')) f.pixel_mask = tensor('int64', [1, height, width], new BigInt64Array(height * width).fill(1n));
    feeds.push(f);
  }
  return { loss: { kind: 'distill', outputs: kinds, seed }, samples: feeds };
}
