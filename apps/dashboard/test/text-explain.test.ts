/**
 * explain.text through createCaller against a real SQLite app and the shipped models: the
 * score is the model's own cosine (computed here from its embeddings), every method returns
 * an overlay, a map .npy at the upload's size and AUCs; bad input answers in the CLI's words.
 */
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeNpy, decodeImage, imageBatch, OnnxModel, planarFromRgb } from '@gradloc/tensor-backend';
import { tokenizePhrases } from '@gradloc/models';
import { testApp, type TestApp } from './helpers/setup.js';
import { dataUrl, scenePng } from './helpers/images.js';

let app: TestApp;
beforeAll(async () => {
  app = await testApp();
});
afterAll(async () => app?.close());

async function rejection(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (e) {
    return (e as Error).message;
  }
  throw new Error('the call succeeded');
}

describe('explain.text', () => {
  it('explains the model\'s own cosine with every method, maps at the upload\'s size', async () => {
    const { bytes, scene } = await scenePng(4, 2);
    const o = scene.objects[scene.largest];
    const text = `a ${o.colour} ${o.shape}`;
    const r = await app.caller().explain.text({ image: dataUrl(bytes), text });
    // the cosine, independently: the model's embeddings of the same pixels and caption
    const model = OnnxModel.load(join(import.meta.dirname, '..', '..', '..', 'models', 'shapes-clip', 'model.onnx'), { threads: 1 });
    const picture = await decodeImage(bytes, 'scene');
    const out = await model.run({ pixel_values: imageBatch(planarFromRgb(picture, 96, 96)), input_ids: tokenizePhrases([text], 16).ids }, ['image_embeds', 'text_embeds']);
    await model.release();
    const a = out.image_embeds.data as Float32Array;
    const b = out.text_embeds.data as Float32Array;
    const cos = a.reduce((s, v, i) => s + v * b[i], 0) / Math.sqrt(a.reduce((s, v) => s + v * v, 0) * b.reduce((s, v) => s + v * v, 0));
    expect(r.kind).toBe('dual-encoder');
    expect(r.score).toBeCloseTo(cos, 5);
    expect(r.methods.map((m) => m.method)).toEqual(['gradeclip', 'mmel', 'gradcam', 'attention', 'rollout']);
    for (const m of r.methods) {
      const npy = decodeNpy(new Uint8Array(Buffer.from(m.mapNpy, 'base64')));
      expect(npy.dims).toEqual([192, 192]);
      expect(m.overlay).toMatch(/^data:image\/png;base64,/);
      for (const v of [m.insertionAuc, m.deletionAuc]) expect(Math.abs(v)).toBeLessThanOrEqual(1);
      if (m.method === 'gradeclip' || m.method === 'mmel') expect(m.tokens.map((t) => t.token)).toEqual(text.split(' '));
      else expect(m.tokens).toEqual([]);
    }
  });

  it('explains a grounder\'s best box for a query', async () => {
    const { bytes, scene } = await scenePng(5);
    const o = scene.objects[0];
    const r = await app.caller().explain.text({ image: dataUrl(bytes), text: `the ${o.colour} ${o.shape}`, model: 'shapes-grounder', methods: ['gradeclip'] });
    expect(r.kind).toBe('grounder');
    expect(r.scoreDescription).toMatch(/^logit of box \d+ for query 0$/);
  });

  it('refuses unknown words, empty text and models of another kind in one line', async () => {
    const { bytes } = await scenePng(1);
    expect(await rejection(app.caller().explain.text({ image: dataUrl(bytes), text: 'a red unicorn' }))).toMatch(/words the model does not know: unicorn/);
    expect(await rejection(app.caller().explain.text({ image: dataUrl(bytes), text: '   ' }))).toMatch(/empty/);
    expect(await rejection(app.caller().explain.text({ image: dataUrl(bytes), text: 'a red ring', model: 'shapes-resnet' }))).toMatch(/^'shapes-resnet' is a classifier; explain.text takes a dual encoder or a grounder/);
  });
});
