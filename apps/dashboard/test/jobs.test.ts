/**
 * Jobs end to end on a real SQLite database: the worker runs them with live progress (seen
 * through the jobs.watch subscription); then the lifecycle suite (cancellation, recovery of
 * jobs whose worker died, concurrent claims) that postgres.test.ts runs on Postgres too.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, decodeNpy, imageBatch, OnnxModel, planarFromRgb } from '@gradloc/tensor-backend';
import { baselineImage, bestDetection, divide, SetEvaluator } from '@gradloc/vps-search';
import sharp from 'sharp';
import { downloadResponse, jobFileName, readJobFile } from '../src/server/jobs/files.js';
import { brownPerplexity, modelDir } from '@gradloc/models';
import { JobStore, JobWorker, type JobView, type QuantResult, type VpsDiverseResult, type VpsResult } from '../src/server/index.js';
import { testApp, type TestApp } from './helpers/setup.js';
import { dataUrl, scenePng } from './helpers/images.js';
import { jobLifecycleSuite, until } from './helpers/job-suite.js';

let app: TestApp;
let store: JobStore;
const quiet = (): void => {};
beforeAll(async () => {
  app = await testApp();
  store = app.jobs;
});
afterAll(async () => app?.close());

describe('a quantization job', () => {
  it('runs to completion with rising progress on jobs.watch, and its perplexities match an independent evaluation', async () => {
    const worker = new JobWorker(store, app.services, { concurrency: 1, heartbeatMs: 100, log: quiet });
    const job = await app.caller().quant.run({ method: 'gwq', bits: 4, calibSamples: 16, evalWindows: 8 });
    const seen: JobView[] = [];
    const watching = (async () => {
      for await (const v of await app.caller().jobs.watch({ id: job.id })) seen.push(v);
    })();
    await worker.start();
    await watching; // the subscription ends when the job does
    await worker.stop(true);
    // states only move forward, and the last one is the end
    const order = ['queued', 'running', 'succeeded'];
    const ranks = seen.map((v) => order.indexOf(v.status));
    expect(ranks.every((r, i) => r >= 0 && (i === 0 || r >= ranks[i - 1]))).toBe(true);
    expect(seen.at(-1)?.status).toBe('succeeded');
    const running = seen.filter((v) => v.status === 'running');
    // snapshots are what the worker wrote at its heartbeats: which stages they catch depends on
    // the machine's speed, but there are several, each a known stage, with progress in between
    expect(running.length).toBeGreaterThanOrEqual(3);
    expect(running.some((v) => v.progress > 0 && v.progress < 1)).toBe(true);
    for (const v of running) expect(v.stage).toMatch(/^(starting|loading the model|calibration \d+\/16|quantizing matrix \d+\/17|perplexity of the quantized( and the FP32)? model on 8 test windows|saving the quantized model)$/);
    for (let i = 1; i < running.length; i++) expect(running[i].progress).toBeGreaterThanOrEqual(running[i - 1].progress);

    const done = await app.caller().jobs.get({ id: job.id });
    const r = done.result as QuantResult;
    expect(done.attempts).toBe(1);
    expect(r.bits).toBe(4);
    expect(r.bitsPerWeight).toBeGreaterThan(4);
    expect(r.bitsPerWeight).toBeLessThan(5.5);
    expect(r.sizeBytes).toBeLessThan(r.fp32SizeBytes);
    const fp32 = OnnxModel.load(`${modelDir('brown-gpt')}/model.onnx`);
    try {
      expect(r.pplFp32).toBeCloseTo((await brownPerplexity(fp32, { split: 'test', maxWindows: 8 })).ppl, 6);
    } finally {
      await fp32.release();
    }
    // 4-bit with 1% FP16 outliers stays close to FP32 on the same windows
    expect(Math.abs(r.ppl / r.pplFp32 - 1)).toBeLessThan(0.05);
    expect(r.outlierPercent).toBeCloseTo(1, 1);
    expect([r.evalWindows, r.evalWindowsTotal]).toEqual([8, 1899]);
    // the quantized model is kept for download, and it is the model that was scored
    const response = await downloadResponse(app.services.blobs, r.modelUrl);
    expect(response.headers.get('content-disposition')).toMatch(/^attachment; filename="brown-gpt-gwq-4bit\.onnx"$/);
    const bytes = new Uint8Array(await response.arrayBuffer());
    expect(bytes.length).toBe(r.sizeBytes);
    const downloaded = OnnxModel.fromBytes(bytes);
    try {
      expect((await brownPerplexity(downloaded, { split: 'test', maxWindows: 8 })).ppl).toBeCloseTo(r.ppl, 6);
    } finally {
      await downloaded.release();
    }
    expect((await downloadResponse(app.services.blobs, r.modelUrl.replace('.onnx', '.npy'))).status).toBe(404);
    expect((await downloadResponse(app.services.blobs, `/api/jobs/${job.id}/..%2F..%2Fgradloc.db`)).status).toBe(404);
    // the history list carries the result table
    const listed = await app.caller().jobs.list({ kind: 'quant', status: 'succeeded', results: true });
    expect((listed.find((j) => j.id === job.id)?.result as QuantResult).ppl).toBe(r.ppl);
    // without results: true the list stays light
    expect((await app.caller().jobs.list()).every((j) => j.result === null)).toBe(true);
  });
});

describe('job file names', () => {
  it('say what the file holds, within what downloads accept', () => {
    expect(jobFileName(['Shapes-Grounder', 'vps', 'the "big" red   circle!', 'map'], 'npy')).toBe('shapes-grounder-vps-the-big-red-circle-map.npy');
    const long = jobFileName(['shapes-grounder-gwq4', 'vps', 'a red circle and a blue star and a green square and more', 'map'], 'npy');
    expect(long).toMatch(/^[a-z0-9][a-z0-9._-]{0,63}\.npy$/);
    expect(long.startsWith('shapes-grounder-gwq4-vps-a-red-circle')).toBe(true);
    expect(jobFileName(['...', '!!'], 'npy')).toBe('file.npy');
  });
});

describe('a VPS job', () => {
  it('explains a detection: overlay at the upload size, curves whose ends match the scores', async () => {
    const worker = new JobWorker(store, app.services, { concurrency: 1, heartbeatMs: 100, log: quiet });
    const { bytes, scene } = await scenePng(0, 2);
    const job = await app.caller().vps.explain({ image: dataUrl(bytes), query: scene.objects[0].phrases[0], regions: 9 });
    await worker.start();
    const done = await until(() => app.caller().jobs.get({ id: job.id }), (j) => j.status !== 'queued' && j.status !== 'running');
    await worker.stop(true);
    expect(done.status).toBe('succeeded');
    const r = done.result as VpsResult;
    // the upload and the overlay live in the blob store; the row holds their URLs
    const phrase = scene.objects[0].phrases[0];
    const row = await app.db.job.findUniqueOrThrow({ where: { id: job.id } });
    expect(JSON.parse(row.input).image).toBe(`/api/jobs/${job.id}/upload.png`);
    expect(row.input.length).toBeLessThan(500);
    expect(Buffer.from((await readJobFile(app.services.blobs, `/api/jobs/${job.id}/upload.png`))!).equals(bytes)).toBe(true);
    expect(r.overlay).toBe(`/api/jobs/${job.id}/shapes-grounder-gwq4-vps-${phrase.replace(/ /g, '-')}-overlay.png`);
    expect(row.result!.length).toBeLessThan(8_000);
    const overlay = await downloadResponse(app.services.blobs, r.overlay);
    expect(overlay.headers.get('content-type')).toBe('image/png');
    expect(await sharp(Buffer.from(await overlay.arrayBuffer())).metadata()).toMatchObject({ width: 192, height: 192 });
    expect(r.missed).toBe(false);
    const o = scene.objects[0].box;
    expect(r.box[0]).toBeLessThan(o[2] * 2);
    expect(r.box[2]).toBeGreaterThan(o[0] * 2);
    expect(r.curves.insertion.length).toBe(r.curves.fractions.length);
    // everything revealed (insertion end) / nothing removed (deletion start) = the full image's score
    expect(r.curves.insertion.at(-1)).toBeCloseTo(r.score, 4);
    expect(r.curves.deletion[0]).toBeCloseTo(r.score, 4);
    expect(r.forwardPasses).toBeGreaterThan(9);
    // the map for download, named for what it explains: the upload's size (scenePng(0, 2) is 192 x 192), values in [0, 1]
    expect(r.mapUrl).toBe(`/api/jobs/${job.id}/shapes-grounder-gwq4-vps-${phrase.replace(/ /g, '-')}-map.npy`);
    const map = decodeNpy(new Uint8Array(await (await downloadResponse(app.services.blobs, r.mapUrl)).arrayBuffer()));
    expect(map.dims).toEqual([192, 192]);
    expect(Math.max(...(map.data as Float32Array))).toBeCloseTo(1, 5);
  });

  it('refuses a query the grounder cannot read before any job exists, naming the words it knows', async () => {
    const { bytes } = await scenePng(0, 2);
    const before = (await app.caller().jobs.list({ kind: 'vps' })).length;
    const refused = await app.caller().vps.explain({ image: dataUrl(bytes), query: 'a flying saucer' }).then(
      () => undefined,
      (e: Error & { code?: string }) => e,
    );
    expect(refused?.code).toBe('BAD_REQUEST');
    expect(refused?.message).toMatch(/^the query has words the model does not know: flying, saucer \(it knows only these \d+ words of the shapes scenes: a an the .* red .* circle /);
    expect((await app.caller().jobs.list({ kind: 'vps' })).length).toBe(before);
  });
});

describe('a diverse VPS job', () => {
  it('returns k distinct region sets best first, each F recomputed from its regions by a fresh evaluator, maps at the upload size', async () => {
    const worker = new JobWorker(store, app.services, { concurrency: 1, heartbeatMs: 100, log: quiet });
    const { bytes, scene } = await scenePng(0, 2);
    const query = scene.objects[0].phrases[0];
    const job = await app.caller().vps.diverse({ image: dataUrl(bytes), query, regions: 9, k: 3, size: 2, budget: 120 });
    await worker.start();
    const done = await until(() => app.caller().jobs.get({ id: job.id }), (j) => j.status !== 'queued' && j.status !== 'running');
    await worker.stop(true);
    expect(done.status, done.error ?? '').toBe('succeeded');
    expect(done.kind).toBe('vps-diverse');
    const r = done.result as VpsDiverseResult;
    expect(r.explanations).toHaveLength(3);
    const sets = r.explanations.map((e) => [...e.regions].sort((a, b) => a - b).join(','));
    expect(new Set(sets).size).toBe(3);
    for (let i = 1; i < 3; i++) expect(r.explanations[i].value).toBeLessThanOrEqual(r.explanations[i - 1].value);
    // F of each set, recomputed here: the same regions and target through a new SetEvaluator
    const { detector } = await app.services.grounders.open(undefined);
    const picture = await decodeImage(bytes);
    const image = planarFromRgb(picture, detector.width, detector.height);
    const regions = divide(image, 9);
    const [own] = await detector.detect(imageBatch(image), query);
    const ev = new SetEvaluator(detector, image, baselineImage(image, 'black'), regions, { query, box: bestDetection(own).box }, {}, 8);
    const masks = r.explanations.map((e) => Uint8Array.from({ length: regions.count }, (_, q) => (e.regions.includes(q) ? 1 : 0)));
    const again = await ev.evaluate(masks);
    r.explanations.forEach((e, i) => expect(e.value).toBeCloseTo(again.value[i], 4));
    for (const e of r.explanations) {
      const overlay = await downloadResponse(app.services.blobs, e.overlay);
      expect(await sharp(Buffer.from(await overlay.arrayBuffer())).metadata()).toMatchObject({ width: 192, height: 192 });
      const map = decodeNpy(new Uint8Array(await (await downloadResponse(app.services.blobs, e.mapUrl)).arrayBuffer()));
      expect(map.dims).toEqual([192, 192]);
    }
    expect(r.diversity).toBeGreaterThan(0);
  });
});

jobLifecycleSuite('SQLite', () => app);
