/**
 * openGrounder on a Hugging Face-style export folder (onnx/model.onnx, tokenizer.json,
 * tokenizer_config.json, preprocessor_config.json), made here from the shipped shapes-grounder:
 * the folder's own tokenizer.json (a WordLevel model over the shapes vocabulary, with a
 * template adding <bos>/<eos>) must give the shapes tokenizer's ids, and preprocessor_config's
 * mean/std must come back as the normalisation the adapter applies.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GradlocError, type RgbImage } from '@gradloc/tensor-backend';
import { openGrounder, tokenizePhrases, type GrounderSource } from '../src/index.js';
import { writeHfGrounderFolder } from './helpers/hf-folder.js';

const dir = mkdtempSync(join(tmpdir(), 'hf-grounder-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openGrounder on a Hugging Face export folder', () => {
  writeHfGrounderFolder(dir, { mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.5] });
  let source: GrounderSource;
  beforeAll(async () => {
    source = await openGrounder(dir, { runtime: { threads: 1 } });
  });
  afterAll(() => source.model.release());

  it('tokenizes with the folder tokenizer.json exactly as the shapes tokenizer does', () => {
    for (const q of ['a red circle', 'The Blue Star', 'purple cross']) {
      expect([...(source.encodeQuery(q).input_ids.data as BigInt64Array)]).toEqual([...(tokenizePhrases([q], 8).ids.data as BigInt64Array)]);
    }
  });

  it('reads the normalisation and size from preprocessor_config.json and has no card', () => {
    expect(source.normalize).toEqual({ mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.5] });
    expect(source.size).toEqual({ height: 96, width: 96 });
    expect(source.card).toBeUndefined();
  });

  it('refuses words the tokenizer has no id for, and queries longer than the model takes', () => {
    expect(() => source.encodeQuery('a dragon')).toThrow(GradlocError);
    expect(() => source.encodeQuery('a red circle and a blue star and a green ring')).toThrow(/at most 8/);
  });
});

describe('the folder\'s image processor (transformers.js) prepares pictures', () => {
  const dir2 = mkdtempSync(join(tmpdir(), 'hf-grounder-'));
  afterAll(() => rmSync(dir2, { recursive: true, force: true }));
  writeHfGrounderFolder(dir2, { mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.5] });
  const picture = (width: number, height: number): RgbImage => ({ width, height, data: Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 37 + (i % 7) * 11) % 256) });

  it('at the input size: the pixels / 255, planar, not normalised (the adapter normalises)', async () => {
    const source = await openGrounder(dir2, { runtime: { threads: 1 } });
    try {
      const p = picture(96, 96);
      const { image: got, region } = await source.prepare!(p);
      expect(region).toBeUndefined();
      expect([got.width, got.height]).toEqual([96, 96]);
      const plane = 96 * 96;
      for (const k of [0, 1, 500, plane + 7, 2 * plane + 9215]) expect(got.data[k]).toBeCloseTo(p.data[3 * (k % plane) + Math.floor(k / plane)] / 255, 6);
    } finally {
      await source.model.release();
    }
  });

  it('another size: resized to 96 x 96 as the pipelines resize (RawImage bilinear)', async () => {
    const source = await openGrounder(dir2, { runtime: { threads: 1 } });
    try {
      const p = picture(150, 100);
      const { image: got, region } = await source.prepare!(p);
      expect(region).toBeUndefined();
      const { RawImage } = await import('@huggingface/transformers');
      const want = await new RawImage(new Uint8ClampedArray(p.data), 150, 100, 3).resize(96, 96, { resample: 2 });
      expect([got.width, got.height]).toEqual([96, 96]);
      const plane = 96 * 96;
      let worst = 0;
      for (let k = 0; k < 3 * plane; k++) worst = Math.max(worst, Math.abs(got.data[k] - want.data[3 * (k % plane) + Math.floor(k / plane)] / 255));
      expect(worst).toBeLessThan(1e-6);
    } finally {
      await source.model.release();
    }
  });
});
