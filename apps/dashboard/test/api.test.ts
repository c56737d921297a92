/**
 * The procedures through createCaller against a real SQLite database and the shipped models.
 * Detections are checked against the generated scenes' ground truth; curves against their own
 * reported AUCs with an independent trapezoid.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_DETECTION_THRESHOLD } from '@gradloc/vps-search';
import { decodeNpy, imageBatch, iou, planarFromRgb, type Box } from '@gradloc/tensor-backend';
import { decodeUpload } from '../src/server/services/uploads.js';
import { testApp, type TestApp } from './helpers/setup.js';
import { dataUrl, scenePng } from './helpers/images.js';
// @gradloc/models' test fixture: a Hugging Face-style export folder of the shipped grounder
import { writeHfGrounderFolder } from '../../../packages/models/test/helpers/hf-folder.js';
import { writeContractFolder } from '../../../packages/models/test/helpers/hf-contracts.js';

let app: TestApp;
beforeAll(async () => {
  app = await testApp();
});
afterAll(async () => app?.close());

async function rejection(p: Promise<unknown>): Promise<{ code: string; message: string }> {
  try {
    await p;
  } catch (e) {
    const err = e as { code: string; message: string };
    return { code: err.code, message: err.message };
  }
  throw new Error('the call succeeded');
}

describe('models', () => {
  it('lists the shipped models by kind, without paths', async () => {
    const all = await app.caller().models.list();
    const kinds = Object.fromEntries(all.map((m) => [m.name, m.kind]));
    expect(kinds).toMatchObject({ 'shapes-grounder': 'grounder', 'shapes-grounder-gwq4': 'grounder', 'shapes-resnet': 'classifier', 'brown-gpt': 'language-model' });
    expect(JSON.stringify(all)).not.toMatch(/\/work|models\//);
    const gwq = all.find((m) => m.name === 'shapes-grounder-gwq4');
    expect(gwq?.quantized).toBe(true);
    expect(gwq?.sizeBytes).toBeLessThan((all.find((m) => m.name === 'shapes-grounder')?.sizeBytes ?? 0) / 3);
    expect((await app.caller().models.list({ kind: 'grounder' })).map((m) => m.name)).toEqual(['shapes-grounder', 'shapes-grounder-gwq4']);
  });

  it('gets a card by name and refuses paths and unknown names', async () => {
    const m = await app.caller().models.get({ name: 'shapes-resnet' });
    expect(m.card?.labels).toEqual(['circle', 'square', 'triangle', 'star', 'cross', 'ring']);
    expect(await rejection(app.caller().models.get({ name: '../../etc/passwd' }))).toEqual({ code: 'BAD_REQUEST', message: 'name: a model is named by its registered name (see models.list), not a path' });
    const unknown = await rejection(app.caller().models.get({ name: 'gpt-5' }));
    expect(unknown.code).toBe('NOT_FOUND');
    expect(unknown.message).toMatch(/^no model 'gpt-5'; registered: brown-gpt, /);
  });
});

describe('grounding.detect', () => {
  it('finds the objects of held-out scenes (recall at IoU 0.5, both grounders) and boxes in the upload\'s pixels', async () => {
    for (const model of ['shapes-grounder-gwq4', 'shapes-grounder']) {
      let found = 0;
      let objects = 0;
      for (let i = 0; i < 6; i++) {
        const scale = 1 + (i % 3); // 96, 192 and 288 px uploads
        const { bytes, scene } = await scenePng(i, scale);
        const queries = scene.objects.map((o) => o.phrases[0]);
        const r = await app.caller().grounding.detect({ image: dataUrl(bytes), queries, model });
        expect(r.ms).toBeGreaterThan(0);
        for (const o of scene.objects) {
          objects++;
          const truth = o.box.map((v) => v * scale) as unknown as Box;
          if (r.detections.some((d) => d.query === o.phrases[0] && iou(d.box, truth) >= 0.5)) found++;
        }
        for (const d of r.detections) {
          expect(d.box[0]).toBeGreaterThanOrEqual(0);
          expect(d.box[2]).toBeLessThanOrEqual(96 * scale);
          expect(d.score).toBeGreaterThanOrEqual(DEFAULT_DETECTION_THRESHOLD);
        }
      }
      expect(found / objects, `${model}: ${found}/${objects}`).toBeGreaterThanOrEqual(0.8);
    }
  });

  it('keeps absent objects below the threshold and honours threshold', async () => {
    const { bytes, scene } = await scenePng(1);
    const present = new Set(scene.objects.map((o) => `${o.colour} ${o.shape}`));
    const absent = ['red', 'green', 'blue', 'yellow'].flatMap((c) => ['star', 'ring', 'cross'].map((s) => `${c} ${s}`)).filter((q) => !present.has(q)).slice(0, 6);
    const r = await app.caller().grounding.detect({ image: dataUrl(bytes), queries: absent.map((q) => `a ${q}`) });
    expect(r.detections).toEqual([]);
    const all = await app.caller().grounding.detect({ image: dataUrl(bytes), queries: [scene.objects[0].phrases[0]], threshold: 0 });
    const strict = await app.caller().grounding.detect({ image: dataUrl(bytes), queries: [scene.objects[0].phrases[0]], threshold: 0.9 });
    expect(all.detections.length).toBeGreaterThan(strict.detections.length);
    expect(strict.detections.every((d) => d.score >= 0.9)).toBe(true);
  });

  it('answers bad input with clear messages', async () => {
    const { bytes } = await scenePng(0);
    const image = dataUrl(bytes);
    expect(await rejection(app.caller().grounding.detect({ image, queries: ['a flying saucer'] }))).toEqual({
      code: 'BAD_REQUEST',
      message: expect.stringMatching(/^the query has words the model does not know: flying, saucer/) as unknown as string,
    });
    expect((await rejection(app.caller().grounding.detect({ image, queries: [] }))).message).toBe('queries: give at least one query');
    expect((await rejection(app.caller().grounding.detect({ image, queries: ['a red circle'], model: 'shapes-resnet' }))).message).toMatch(/^'shapes-resnet' is a classifier, not a grounder; grounders: shapes-grounder, shapes-grounder-gwq4$/);
    expect((await rejection(app.caller().grounding.detect({ image, queries: ['a red circle'], model: '/etc/passwd' }))).code).toBe('BAD_REQUEST');
    expect((await rejection(app.caller().grounding.detect({ image, queries: ['a red circle'], threshold: 2 }))).message).toMatch(/^threshold: /);
  });

  it('scores all queries in one forward pass exactly as one pass per query', async () => {
    const { bytes, scene } = await scenePng(4);
    const { detector } = await app.services.grounders.open('shapes-grounder');
    const { image } = await decodeUpload(dataUrl(bytes), { maxBytes: 1e6, maxPixels: 1e6 });
    const batch = imageBatch(planarFromRgb(image, detector.width, detector.height));
    const queries = [...scene.objects.map((o) => o.phrases[0]), 'a purple ring'];
    const all = await detector.detectAll(batch, queries);
    for (const [q, query] of queries.entries()) {
      const [one] = await detector.detect(batch, query);
      expect(Array.from(all[q][0].boxes)).toEqual(Array.from(one.boxes));
      for (let p = 0; p < one.scores.length; p++) expect(all[q][0].scores[p]).toBeCloseTo(one.scores[p], 5);
    }
  });

  it('tells what a grounder knows: its closed vocabulary and its training data', async () => {
    const v = await app.caller().grounding.vocabulary({ model: 'shapes-grounder' });
    expect(v.words).toEqual(expect.arrayContaining(['red', 'circle', 'stars', 'the']));
    expect(v.words).not.toContain('<unk>');
    expect(v.trainedOn).toMatch(/train-split scenes/);
    // every listed word is one detect accepts (a query of all of them is read, not refused)
    await expect(app.caller().grounding.detect({ image: dataUrl((await scenePng(1)).bytes), queries: [v.words!.join(' ')], model: 'shapes-grounder' })).resolves.toBeDefined();
  });

  it('serves generated sample scenes with their phrases', async () => {
    const s = await app.caller().grounding.sample({ seed: 42 });
    expect(s.image).toMatch(/^data:image\/png;base64,/);
    expect(s.objects.length).toBeGreaterThan(0);
    expect(s.objects[0].phrase).toMatch(/^(a|the) /);
  });
});

/** Trapezoid area under ys over xs (independent of cam-explain's implementation). */
const trapezoid = (xs: number[], ys: number[]): number => xs.slice(1).reduce((a, x, i) => a + ((x - xs[i]) * (ys[i + 1] + ys[i])) / 2, 0);

describe('explain', () => {
  it('cam: an overlay at the upload\'s size and metrics in range', async () => {
    const { bytes, scene } = await scenePng(2, 2);
    const r = await app.caller().explain.cam({ image: dataUrl(bytes), method: 'gradcam++' });
    expect(r.prediction.label).toBe(scene.objects[scene.largest].shape);
    expect(r.prediction.probabilities.reduce((a, p) => a + p.p, 0)).toBeCloseTo(1, 6);
    const { width, height } = await (await import('sharp')).default(Buffer.from(r.explanation.overlay.split(',')[1], 'base64')).metadata();
    expect([width, height]).toEqual([192, 192]);
    for (const k of ['insertion_auc', 'deletion_auc'] as const) expect(r.metrics[k]).toBeGreaterThanOrEqual(0);
    // the downloads: the heatmap PNG at the overlay's size, the raw map as .npy at the model input's size
    const heat = await (await import('sharp')).default(Buffer.from(r.explanation.heatmap.split(',')[1], 'base64')).metadata();
    expect([heat.width, heat.height]).toEqual([192, 192]);
    const npy = decodeNpy(new Uint8Array(Buffer.from(r.explanation.mapNpy, 'base64')));
    expect(npy.dims).toEqual([96, 96]);
    const values = Array.from(npy.data as Float32Array);
    expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
    expect(Math.max(...values)).toBeCloseTo(1, 5);
    expect(r.explanation.warnings).toEqual([]);
    const byLabel = await app.caller().explain.cam({ image: dataUrl(bytes), method: 'saliency', target: 'ring', model: 'shapes-vit' });
    expect(byLabel.prediction.label).toBe('ring');
    expect((await rejection(app.caller().explain.cam({ image: dataUrl(bytes), target: 'hexagon' }))).message).toMatch(/^'hexagon' is not a class label; classes: 0 circle, 1 square/);
  });

  it('compare: one curve pair per method whose areas are the reported AUCs', async () => {
    const { bytes } = await scenePng(3);
    const r = await app.caller().explain.compare({ image: dataUrl(bytes), methods: ['gradcam', 'layercam', 'inputxgradient'] });
    expect(r.methods.map((m) => m.method)).toEqual(['gradcam', 'layercam', 'inputxgradient']);
    for (const m of r.methods) {
      const { fractions, insertion, deletion } = m.curves;
      expect(fractions[0]).toBe(0);
      expect(fractions.at(-1)).toBe(1);
      expect(insertion.length).toBe(fractions.length);
      expect(trapezoid(fractions, insertion)).toBeCloseTo(m.insertionAuc, 10);
      expect(trapezoid(fractions, deletion)).toBeCloseTo(m.deletionAuc, 10);
      // deleting everything removes the evidence: the class score falls from the full image's
      expect(deletion.at(-1)).toBeLessThan(deletion[0]);
    }
  });
});

describe('job procedures and the API token', () => {
  it('queue jobs without a token when none is configured, and check the model before queueing', async () => {
    const job = await app.caller().quant.run({ method: 'rtn', bits: 4 });
    expect(job.status).toBe('queued');
    expect((await rejection(app.caller().quant.run({ model: 'shapes-resnet' }))).message).toMatch(/is a classifier, not a language-model/);
    const bad = await rejection(app.caller().vps.explain({ image: dataUrl(Buffer.from('hello')), query: 'a red circle' }));
    expect(bad.message).toBe('the upload is not an image (expected a PNG or JPEG file)');
    expect((await app.caller().jobs.list({ kind: 'vps' })).length).toBe(0);
    await app.caller().jobs.cancel({ id: job.id });
  });

  it('require the shared token when GRADLOC_API_TOKEN is set (reads stay open)', async () => {
    const secured = await testApp({ GRADLOC_API_TOKEN: 'correct horse battery' });
    try {
      for (const token of [undefined, 'wrong token value']) {
        const e = await rejection(secured.caller(token).quant.run({}));
        expect(e.code).toBe('UNAUTHORIZED');
        expect(e.message).toMatch(/Authorization: Bearer <GRADLOC_API_TOKEN>/);
      }
      const job = await secured.caller('correct horse battery').quant.run({});
      expect((await rejection(secured.caller().jobs.cancel({ id: job.id }))).code).toBe('UNAUTHORIZED');
      expect((await secured.caller().jobs.get({ id: job.id })).status).toBe('queued');
      expect((await secured.caller().models.list()).length).toBeGreaterThan(0);
    } finally {
      await secured.close();
    }
  });
});

describe('a Hugging Face grounder folder configured on the server', () => {
  it('is listed by its name (never its path) and detects like the model it was exported from', async () => {
    const folder = mkdtempSync(join(tmpdir(), 'hf-owl-'));
    // identity pixel normalisation: the exported graph normalises pixels itself
    writeHfGrounderFolder(folder, { mean: [0, 0, 0], std: [1, 1, 1] });
    const hf = await testApp({ GRADLOC_HF_GROUNDERS: `owl-export=${folder}` });
    try {
      const listed = (await hf.caller().models.list({ kind: 'grounder' })).find((m) => m.name === 'owl-export');
      expect(listed).toMatchObject({ source: 'huggingface', kind: 'grounder' });
      expect(JSON.stringify(listed)).not.toContain(folder);
      expect((await hf.caller().models.get({ name: 'owl-export' })).card).toBeNull();
      const { bytes, scene } = await scenePng(5);
      const queries = scene.objects.map((o) => o.phrases[0]);
      const viaHf = await hf.caller().grounding.detect({ image: dataUrl(bytes), queries, model: 'owl-export', threshold: 0 });
      const viaZoo = await hf.caller().grounding.detect({ image: dataUrl(bytes), queries, model: 'shapes-grounder', threshold: 0 });
      expect(viaHf.detections.length).toBe(viaZoo.detections.length);
      viaHf.detections.forEach((d, i) => {
        expect(d.query).toBe(viaZoo.detections[i].query);
        expect(d.box).toEqual(viaZoo.detections[i].box);
        expect(d.score).toBeCloseTo(viaZoo.detections[i].score, 5);
      });
    } finally {
      await hf.close();
      rmSync(folder, { recursive: true, force: true });
    }
  });
});

describe('Hugging Face folders of every contract configured on the server (GRADLOC_HF_MODELS)', () => {
  it('lists each by name with the kind its config.json gives, and serves it: detect on OWLv2 and Grounding DINO, explain.text on CLIP', async () => {
    const root = mkdtempSync(join(tmpdir(), 'hf-contracts-'));
    const kinds = ['owlvit', 'owlv2', 'grounding-dino', 'clip'] as const;
    for (const k of kinds) writeContractFolder(join(root, k), k);
    const hf = await testApp({ GRADLOC_HF_MODELS: kinds.map((k) => `tiny-${k}=${join(root, k)}`).join(',') });
    try {
      const listed = await hf.caller().models.list({});
      for (const k of kinds) expect(listed.find((m) => m.name === `tiny-${k}`)).toMatchObject({ source: 'huggingface', kind: k === 'clip' ? 'dual-encoder' : 'grounder', architecture: `Hugging Face ${k} export` });
      expect(JSON.stringify(listed)).not.toContain(root);
      const { bytes } = await scenePng(5);
      for (const model of ['tiny-owlv2', 'tiny-grounding-dino']) {
        const r = await hf.caller().grounding.detect({ image: dataUrl(bytes), queries: ['a red circle', 'a blue square'], model, threshold: 0 });
        expect(new Set(r.detections.map((d) => d.query))).toEqual(new Set(['a red circle', 'a blue square']));
        for (const d of r.detections) expect(d.box.every((v) => v >= 0 && v <= 96)).toBe(true);
      }
      const e = await hf.caller().explain.text({ image: dataUrl(bytes), text: 'a red circle', model: 'tiny-clip', methods: ['gradeclip'] });
      expect(e.kind).toBe('dual-encoder');
      expect(Number.isFinite(e.score)).toBe(true);
    } finally {
      await hf.close();
      rmSync(root, { recursive: true, force: true });
    }
  });
});
