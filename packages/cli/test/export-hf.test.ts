/**
 * `gradloc export-hf` against transformers.js itself: the exported grounder in its
 * zero-shot-object-detection pipeline gives the boxes and scores `gradloc detect` gives on the
 * zoo model (20 held-out scenes, every box to 1e-3 relative), the GWQ model's
 * model_quantized.onnx likewise, the exported CLIP in zero-shot-image-classification gives
 * the softmax of the zoo model's own logits, the folder's tokenizer gives the shapes ids, and
 * bad input fails in one line with nothing written.
 */
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { AutoTokenizer, env, pipeline, type ZeroShotImageClassificationOutput, type ZeroShotObjectDetectionOutput } from '@huggingface/transformers';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodePNG, iou, OnnxModel, tensor, type RgbImage } from '@gradloc/tensor-backend';
import { generateScene, splitSeed, toRGB8, tokenizePhrase, tokenizePhrases, type Scene } from '@gradloc/models';
import { expectOneLineError, gradloc, listFiles, tempDir } from './helpers.js';

const MODELS = join(import.meta.dirname, '..', '..', '..', 'models');
const SCENES = 20;
/** Tests that spawn the CLI tens of times: a generous cap (a hung run, not a speed check). */
const HEAVY = 600_000;
let dir: string;
const scenes: Scene[] = Array.from({ length: SCENES }, (_, i) => generateScene(splitSeed('test', 40 + i)));
const pictureOf = (s: Scene): RgbImage => ({ width: s.width, height: s.height, data: toRGB8(s) });
/** Each scene's objects by phrase, and a query naming nothing in it. */
const queriesOf = (s: Scene): string[] => [...new Set(s.objects.map((o) => `a ${o.colour} ${o.shape}`)), 'a white cross'];

beforeAll(async () => {
  dir = tempDir();
  for (const [i, s] of scenes.entries()) writeFileSync(join(dir, `scene${i}.png`), await encodePNG(pictureOf(s)));
  env.allowRemoteModels = false;
  env.localModelPath = dir;
});

interface Detection {
  readonly query: string;
  readonly box: [number, number, number, number];
  readonly score: number;
}

function exported(model: string): string[] {
  const r = gradloc(['export-hf', '--model', model, '--out', `hf-${model}`], dir);
  expect(r.code, r.stderr).toBe(0);
  const line = JSON.parse(r.stdout) as { dir: string; model_type: string; files: string[] };
  expect(line.dir).toBe(join(dir, `hf-${model}`));
  return line.files;
}

function detect(model: string, scene: number, extra: readonly string[]): Detection[] {
  const r = gradloc(['detect', '--model', model, '--image', `scene${scene}.png`, '--threads', '1', ...extra, ...queriesOf(scenes[scene]).flatMap((q) => ['--query', q])], dir);
  expect(r.code, r.stderr).toBe(0);
  return (JSON.parse(r.stdout) as { detections: Detection[] }).detections;
}

const relClose = (a: number, b: number): boolean => Math.abs(a - b) <= 1e-3 * Math.max(Math.abs(a), Math.abs(b), 1e-6);

/** Every gradloc box has its pipeline twin (same query, every coordinate and the score to 1e-3). */
function expectAgree(ours: readonly Detection[], theirs: ZeroShotObjectDetectionOutput, picture: { width: number; height: number }): void {
  for (const d of ours) {
    const twin = theirs.find((t) => {
      const b = [t.box.xmin * picture.width, t.box.ymin * picture.height, t.box.xmax * picture.width, t.box.ymax * picture.height];
      return t.label === d.query && relClose(t.score, d.score) && b.every((v, k) => relClose(v, d.box[k]));
    });
    expect(twin, `${d.query} ${JSON.stringify(d.box)} ${d.score} in ${JSON.stringify(theirs.filter((t) => t.label === d.query).slice(0, 3))}`).toBeDefined();
  }
}

describe('gradloc export-hf: the grounder in transformers.js', () => {
  it('writes the transformers.js layout with the OWL-ViT contract', async () => {
    const files = exported('shapes-grounder');
    expect(files).toEqual(['config.json', 'onnx/model.onnx', 'preprocessor_config.json', 'special_tokens_map.json', 'tokenizer.json', 'tokenizer_config.json']);
    expect(listFiles(join(dir, 'hf-shapes-grounder'))).toEqual(files);
    const m = OnnxModel.load(join(dir, 'hf-shapes-grounder', 'onnx', 'model.onnx'), { threads: 1 });
    try {
      expect([...m.inputNames].sort()).toEqual(['attention_mask', 'input_ids', 'pixel_values']);
      expect([...m.outputNames].sort()).toEqual(['image_embeds', 'logits', 'pred_boxes', 'text_embeds']);
    } finally {
      await m.release();
    }
  });

  it('zero-shot-object-detection gives gradloc detect\'s boxes and scores on 20 scenes (no NMS: the same sets; default NMS: a subset)', async () => {
    const detector = await pipeline('zero-shot-object-detection', 'hf-shapes-grounder');
    let boxes = 0;
    for (let i = 0; i < SCENES; i++) {
      const theirs = (await detector(join(dir, `scene${i}.png`), queriesOf(scenes[i]), { threshold: 0.1, percentage: true })) as ZeroShotObjectDetectionOutput;
      const all = detect('shapes-grounder', i, ['--threshold', '0.1', '--iou', '1']);
      expect(all.length).toBe(theirs.filter((t) => t.score >= 0.1).length);
      expectAgree(all, theirs, scenes[i]);
      if (i < 5) expectAgree(detect('shapes-grounder', i, []), theirs, scenes[i]);
      // gradloc serves the exported folder itself the same way
      if (i < 3) expectAgree(detect(join(dir, 'hf-shapes-grounder'), i, ['--threshold', '0.1', '--iou', '1']), theirs, scenes[i]);
      boxes += all.length;
    }
    expect(boxes).toBeGreaterThan(SCENES);
    await detector.dispose();
  }, HEAVY);

  it('pictures of other sizes: gradloc detect (zoo model) and the pipeline resize alike and agree', async () => {
    if (!existsSync(join(dir, 'hf-shapes-grounder'))) exported('shapes-grounder');
    const detector = await pipeline('zero-shot-object-detection', 'hf-shapes-grounder');
    for (const [i, [w, h]] of [[150, 100], [64, 64], [200, 240]].entries()) {
      const big = await sharp(join(dir, `scene${i}.png`)).resize(w, h, { kernel: 'lanczos3' }).png().toBuffer();
      writeFileSync(join(dir, `sized${i}.png`), big);
      const theirs = (await detector(join(dir, `sized${i}.png`), queriesOf(scenes[i]), { threshold: 0.1, percentage: true })) as ZeroShotObjectDetectionOutput;
      const r = gradloc(['detect', '--model', 'shapes-grounder', '--image', `sized${i}.png`, '--threshold', '0.1', '--iou', '1', '--threads', '1', ...queriesOf(scenes[i]).flatMap((q) => ['--query', q])], dir);
      expect(r.code, r.stderr).toBe(0);
      const ours = (JSON.parse(r.stdout) as { detections: Detection[] }).detections;
      expect(ours.length).toBe(theirs.filter((t) => t.score >= 0.1).length);
      expectAgree(ours, theirs, { width: w, height: h });
    }
    await detector.dispose();
  }, HEAVY);

  it('tokenizes as the shapes tokenizer: lower case, punctuation dropped, <unk> for unknown words, <bos>/<eos>', async () => {
    const tokenizer = await AutoTokenizer.from_pretrained('hf-shapes-grounder');
    for (const text of ['a red circle', 'The BLUE star.', 'purple, cross', 'a dragon']) {
      const ids = [...tokenizePhrase(text, 8)].filter((id) => id !== 0);
      expect(tokenizer.encode(text)).toEqual(ids);
    }
  });

  it('the GWQ model: onnx/model_quantized.onnx (dtype q8) gives gradloc detect\'s boxes on shapes-grounder-gwq4', async () => {
    expect(exported('shapes-grounder-gwq4')).toContain('onnx/model_quantized.onnx');
    const detector = await pipeline('zero-shot-object-detection', 'hf-shapes-grounder-gwq4', { dtype: 'q8' });
    for (let i = 0; i < 5; i++) {
      const theirs = (await detector(join(dir, `scene${i}.png`), queriesOf(scenes[i]), { threshold: 0.1, percentage: true })) as ZeroShotObjectDetectionOutput;
      const all = detect('shapes-grounder-gwq4', i, ['--threshold', '0.1', '--iou', '1']);
      expect(all.length).toBe(theirs.filter((t) => t.score >= 0.1).length);
      expectAgree(all, theirs, scenes[i]);
    }
    await detector.dispose();
  }, HEAVY);
});

describe('gradloc quantize on the exported folder: model_quantized.onnx in transformers.js', () => {
  it('GWQ 4-bit through the folder\'s own processor and tokenizer; the pipeline (dtype q8) finds the FP32 model\'s best boxes', async () => {
    if (!existsSync(join(dir, 'hf-shapes-grounder'))) exported('shapes-grounder');
    const r = gradloc(['quantize', '--model', 'hf-shapes-grounder', '--out', 'hf-q', '--calib', 'shapes:train:8', '--group', '64', '--threads', '1'], dir);
    expect(r.code, r.stderr).toBe(0);
    const line = JSON.parse(r.stdout) as { dir: string; bits: number; matrices: number };
    expect([line.dir, line.bits]).toEqual([join(dir, 'hf-q'), 4]);
    expect(line.matrices).toBeGreaterThan(0);
    expect(listFiles(join(dir, 'hf-q'))).toContain('onnx/model_quantized.onnx');
    const [fp32, q] = [await pipeline('zero-shot-object-detection', 'hf-shapes-grounder'), await pipeline('zero-shot-object-detection', 'hf-q', { dtype: 'q8' })];
    let same = 0;
    let total = 0;
    for (let i = 0; i < 5; i++) {
      const queries = queriesOf(scenes[i]).slice(0, -1); // the objects present
      const [a, b] = [(await fp32(join(dir, `scene${i}.png`), queries, { threshold: 0.1, percentage: true })) as ZeroShotObjectDetectionOutput, (await q(join(dir, `scene${i}.png`), queries, { threshold: 0.1, percentage: true })) as ZeroShotObjectDetectionOutput];
      for (const query of queries) {
        const [ta, tb] = [a.find((t) => t.label === query), b.find((t) => t.label === query)];
        if (!ta) continue;
        total++;
        if (tb && iou([ta.box.xmin, ta.box.ymin, ta.box.xmax, ta.box.ymax], [tb.box.xmin, tb.box.ymin, tb.box.xmax, tb.box.ymax]) >= 0.8 && Math.abs(ta.score - tb.score) < 0.1) same++;
      }
    }
    expect(total).toBeGreaterThan(5);
    expect(same / total).toBeGreaterThanOrEqual(0.8);
    await fp32.dispose();
    await q.dispose();
  }, HEAVY);
});

describe('gradloc export-hf: CLIP in transformers.js', () => {
  const clip = OnnxModel.load(join(MODELS, 'shapes-clip', 'model.onnx'), { threads: 1 });
  afterAll(() => clip.release());

  it('zero-shot-image-classification gives the softmax of the zoo model\'s logits_per_image', async () => {
    exported('shapes-clip');
    const classifier = await pipeline('zero-shot-image-classification', 'hf-shapes-clip');
    const labels = ['a red circle', 'a blue square', 'a green triangle and a yellow star', 'two purple crosses'];
    for (let i = 0; i < 5; i++) {
      const s = scenes[i];
      // the PNG's 8-bit pixels, as the pipeline reads them
      const rgb = pictureOf(s).data;
      const plane = s.width * s.height;
      const px = tensor('float32', [1, 3, s.height, s.width], Float32Array.from({ length: 3 * plane }, (_, k) => rgb[3 * (k % plane) + Math.floor(k / plane)] / 255));
      const logits = (await clip.run({ pixel_values: px, input_ids: tokenizePhrases(labels, 16).ids }, ['logits_per_image'])).logits_per_image.data as Float32Array;
      const max = Math.max(...logits);
      const z = [...logits].reduce((a, v) => a + Math.exp(v - max), 0);
      const theirs = (await classifier(join(dir, `scene${i}.png`), labels, { hypothesis_template: '{}' })) as ZeroShotImageClassificationOutput;
      labels.forEach((label, k) => {
        const p = Math.exp(logits[k] - max) / z;
        const got = theirs.find((t) => t.label === label)!.score;
        expect(relClose(got, p), `${label}: ${p} vs ${got}`).toBe(true);
      });
    }
    await classifier.dispose();
  }, HEAVY);
});

describe('gradloc export-hf: bad input', () => {
  it('refuses a model that is neither a grounder nor a CLIP model, an existing folder, missing flags; nothing written', () => {
    expectOneLineError(gradloc(['export-hf', '--model', 'shapes-resnet', '--out', 'resnet'], dir), 'BAD_MODEL');
    expect(existsSync(join(dir, 'resnet'))).toBe(false);
    expectOneLineError(gradloc(['export-hf', '--model', 'no-such-model', '--out', 'x'], dir), 'MODEL_NOT_FOUND');
    expectOneLineError(gradloc(['export-hf', '--model', 'shapes-grounder'], dir), 'BAD_INPUT');
    expect(gradloc(['export-hf', '--model', 'shapes-grounder', '--out', 'twice'], dir).code).toBe(0);
    expectOneLineError(gradloc(['export-hf', '--model', 'shapes-grounder', '--out', 'twice'], dir), 'BAD_INPUT');
    expect(gradloc(['export-hf', '--model', 'shapes-grounder', '--out', 'twice', '--overwrite'], dir).code).toBe(0);
    expect(listFiles(dir).filter((f) => f.includes('.writing'))).toEqual([]);
  });
});
