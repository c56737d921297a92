/**
 * The pages in Debian's chromium against the real app (built, migrated, served and working
 * jobs as `npm start` does). Results are checked against the generated scenes' ground truth
 * and against what the API itself answers, not just for being present.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { iou, jet, OnnxModel, tensor, type Box } from '@gradloc/tensor-backend';
// held-out scenes as PNG bytes: the dashboard tests' helper
import { dataUrl, scenePng } from '../../apps/dashboard/test/helpers/images.js';
import type { RunningApp } from '../helpers/app.js';
import { hasChromium } from '../helpers/browser.js';
import { browserSession } from '../helpers/session.js';
import { download, isPng, linkOf, readCsv, readJson, readNpy } from '../helpers/files.js';
import { mutate, query, waitFor, type Job } from '../helpers/trpc.js';

interface Rect {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}
const overlaps = (a: Rect, b: Rect): boolean => a.left < b.right && b.left < a.right && a.top < b.bottom && b.top < a.bottom;
const rectsOf = (page: Page, selector: string): Promise<Rect[]> =>
  page.locator(selector).evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => ({ left: r.left, top: r.top, right: r.right, bottom: r.bottom })));
/** What the pages make of a method's name in a file name. */
const slug = (s: string): string => s.toLowerCase().replace(/\+/g, 'plus').replace(/[^a-z0-9.]+/g, '-');

describe.skipIf(!hasChromium)('the dashboard in a real browser', () => {
  const session = browserSession();
  let app: RunningApp;
  let page: Page;
  beforeAll(() => {
    ({ app, page } = session);
  });

  it('grounding: an uploaded image gets boxes where the objects are', async () => {
    const scale = 3;
    const { scene, bytes: png } = await scenePng(2, scale);
    await page.goto(`${app.url}/grounding`);
    await page.setInputFiles('[data-testid=upload]', { name: 'scene.png', mimeType: 'image/png', buffer: png });
    await page.fill('[data-testid=queries]', scene.objects.map((o) => o.phrases[0]).join('\n'));
    await page.click('[data-testid=detect]');
    await page.waitForSelector('[data-testid=box]');
    const canvas = await page.locator('[data-testid=grounding-canvas] img').first().boundingBox();
    const boxes = await page.locator('[data-testid=box]').evaluateAll((els) => els.map((e) => e.getBoundingClientRect()).map((r) => [r.left, r.top, r.right, r.bottom]));
    expect(canvas).not.toBeNull();
    const k = (96 * scale) / (canvas?.width ?? 1);
    // the drawn boxes, back in the upload's pixels, cover the objects
    const drawn = boxes.map((b): Box => [(b[0] - (canvas?.x ?? 0)) * k, (b[1] - (canvas?.y ?? 0)) * k, (b[2] - (canvas?.x ?? 0)) * k, (b[3] - (canvas?.y ?? 0)) * k]);
    const covered = scene.objects.filter((o) => drawn.some((d) => iou(d, [o.box[0] * scale, o.box[1] * scale, o.box[2] * scale, o.box[3] * scale]) >= 0.5));
    expect(covered.length).toBe(scene.objects.length);
  });

  it('a bad upload shows a clear error', async () => {
    await page.goto(`${app.url}/grounding`);
    await page.setInputFiles('[data-testid=upload]', { name: 'notes.png', mimeType: 'image/png', buffer: Buffer.from('these are my notes, not a picture') });
    await page.fill('[data-testid=queries]', 'a red circle');
    await page.click('[data-testid=detect]');
    // the page's error slot (Next.js adds its own, empty role=alert route announcer)
    const alert = page.locator('[data-testid=error][role=alert]');
    await alert.filter({ hasText: 'not an image' }).waitFor();
    expect(await alert.textContent()).toBe('the upload is not an image (expected a PNG or JPEG file)');
    expect(await page.locator('[data-testid=box]').count()).toBe(0);
  });

  it('grounding: the grounder\'s vocabulary and training data are on the page, and an unknown word is refused with the words it knows', async () => {
    const vocab = await query<{ model: string; words: string[]; trainedOn: string }>(app.url, 'grounding.vocabulary', { model: 'shapes-grounder-gwq4' });
    await page.goto(`${app.url}/grounding`);
    await page.waitForSelector('[data-testid=vocabulary] li');
    expect(await page.locator('[data-testid=vocabulary] li').allTextContents()).toEqual(vocab.words);
    expect(await page.textContent('[data-testid=trained-on]')).toContain(vocab.trainedOn.replace(/\.$/, ''));
    const { bytes: png } = await scenePng(1);
    await page.setInputFiles('[data-testid=upload]', { name: 'scene.png', mimeType: 'image/png', buffer: png });
    await page.fill('[data-testid=queries]', 'a red circle\na flying saucer');
    await page.click('[data-testid=detect]');
    const alert = page.locator('[data-testid=error][role=alert]');
    await alert.waitFor();
    const message = (await alert.textContent()) ?? '';
    expect(message).toMatch(/does not know: flying, saucer/);
    // the words as a list to read, not one long line
    expect(await alert.locator('[data-testid=error-vocabulary] li').allTextContents()).toEqual(vocab.words);
    expect(message).not.toContain(vocab.words.join(' '));
    expect(await page.locator('[data-testid=box]').count()).toBe(0);
  });

  it('grounding: labels of close boxes never cover each other and stay on the picture; detections download as CSV and JSON', async () => {
    // four objects close together, each asked for three ways: twelve boxes, several on the same object
    const { scene, bytes: png } = await scenePng(4, 4);
    const queries = scene.objects.flatMap((o) => o.phrases);
    await page.goto(`${app.url}/grounding`);
    await page.setInputFiles('[data-testid=upload]', { name: 'scene.png', mimeType: 'image/png', buffer: png });
    await page.fill('[data-testid=queries]', queries.join('\n'));
    await page.click('[data-testid=detect]');
    await page.waitForSelector('[data-testid=box-label]');
    await page.waitForFunction(() => Array.from(document.querySelectorAll('[data-testid=box-label]')).every((e) => getComputedStyle(e).visibility === 'visible'));
    const boxes = await rectsOf(page, '[data-testid=box]');
    const labels = await rectsOf(page, '[data-testid=box-label]');
    const [picture] = await rectsOf(page, '[data-testid=grounding-canvas] img');
    expect(boxes.length).toBeGreaterThanOrEqual(8);
    expect(labels.length).toBe(boxes.length);
    // the scene is a real test: labels put plainly above their boxes would collide
    const naive = boxes.map((b, i): Rect => ({ left: b.left, top: b.top - (labels[i].bottom - labels[i].top), right: b.left + (labels[i].right - labels[i].left), bottom: b.top }));
    expect(naive.some((a, i) => naive.some((b, j) => i < j && overlaps(a, b)))).toBe(true);
    for (let i = 0; i < labels.length; i++) {
      for (let j = i + 1; j < labels.length; j++) expect(overlaps(labels[i], labels[j]), `labels ${i} and ${j}: ${JSON.stringify([labels[i], labels[j]])}`).toBe(false);
      expect(labels[i].left).toBeGreaterThanOrEqual(picture.left);
      expect(labels[i].top).toBeGreaterThanOrEqual(picture.top);
      expect(labels[i].right).toBeLessThanOrEqual(picture.right);
      expect(labels[i].bottom).toBeLessThanOrEqual(picture.bottom);
    }

    const files = page.locator('[data-testid=detections-downloads]');
    const csvFile = await download(page, linkOf(files, 'csv'));
    expect(csvFile.name).toBe('shapes-grounder-gwq4-detections.csv');
    const csv = readCsv(csvFile.bytes);
    expect(csv.header).toEqual(['query', 'score', 'x0', 'y0', 'x1', 'y1']);
    expect(csv.rows.length).toBe(boxes.length);
    const json = readJson<{ model: string; queries: string[]; detections: { query: string; score: number; box: number[] }[] }>((await download(page, linkOf(files, 'json'))).bytes);
    expect(json.model).toBe('shapes-grounder-gwq4');
    expect(json.queries).toEqual(queries);
    expect(json.detections.map((d) => [d.query, d.score, ...d.box])).toEqual(csv.rows.map((r) => [r[0], ...r.slice(1).map(Number)]));
    // the table on the page lists the same boxes
    expect(await page.locator('[data-testid=detections-table] tbody tr').count()).toBe(json.detections.length);
  });

  it('explain: heatmaps side by side, a metric table and the curves', async () => {
    const { bytes: png } = await scenePng(0);
    await page.goto(`${app.url}/explain`);
    await page.setInputFiles('[data-testid=upload]', { name: 'scene.png', mimeType: 'image/png', buffer: png });
    await page.click('[data-testid=explain]');
    await page.waitForSelector('img[data-testid=heatmap]');
    const heatmaps = page.locator('img[data-testid=heatmap]');
    const n = await heatmaps.count();
    expect(n).toBeGreaterThanOrEqual(1);
    // every heatmap decoded in the browser, at the upload's aspect
    const sizes = await heatmaps.evaluateAll((els) => els.map((e) => [(e as HTMLImageElement).naturalWidth, (e as HTMLImageElement).naturalHeight]));
    for (const [w, h] of sizes) expect(w > 0 && w === h).toBe(true);
    // a heatmap is not the plain picture: its pixels differ from the upload's
    const src = await heatmaps.first().getAttribute('src');
    const overlay = await sharp(Buffer.from((src ?? '').split(',')[1] ?? '', 'base64')).raw().toBuffer();
    const original = await sharp(png).raw().toBuffer();
    expect(overlay.equals(original)).toBe(false);
    expect(await page.locator('[data-testid=metrics-table] tbody tr').count()).toBe(n);
    expect(await page.locator('svg[data-testid=curves] path, svg[data-testid=curves] polyline').count()).toBeGreaterThanOrEqual(2 * n);
  });

  it('explain: the class to explain is chosen from the labels, the prediction says which class the maps explain, and an empty map says why', async () => {
    const { bytes: png } = await scenePng(0);
    await page.goto(`${app.url}/explain`);
    await page.setInputFiles('[data-testid=upload]', { name: 'scene.png', mimeType: 'image/png', buffer: png });
    // the choices are the classifier's labels (its card), after "top class"
    const { card } = await query<{ card: { labels: string[] } }>(app.url, 'models.get', { name: 'shapes-resnet' });
    await page.locator('[data-testid=target] option').nth(card.labels.length).waitFor({ state: 'attached' });
    expect(await page.locator('[data-testid=target] option').allTextContents()).toEqual(['top class (the prediction)', ...card.labels]);
    expect(await page.locator('[data-testid=target]').inputValue()).toBe('');

    await page.click('[data-testid=explain]');
    await page.waitForSelector('[data-testid=explained-class]');
    const top = await page.textContent('[data-testid=top-class]');
    expect(await page.textContent('[data-testid=explained-class]')).toBe(top);

    // scene 0 is a ring; for "triangle" Grad-CAM's map is all zeros (what speaks for a triangle is nowhere positive)
    expect(top).not.toBe('triangle');
    await page.selectOption('[data-testid=target]', { label: 'triangle' });
    await page.click('[data-testid=explain]');
    await page.locator('[data-testid=explained-class]', { hasText: 'triangle' }).waitFor({ timeout: 30_000 });
    expect(await page.textContent('[data-testid=top-class]')).toBe(top);
    expect(await page.textContent('[data-testid=explained]')).toMatch(/not the top class/);
    expect(await page.locator('svg[data-testid=curves] title').textContent()).toBe('Insertion and deletion curves for class triangle');
    // the tiles carry the server's warnings for that class: Grad-CAM's, and none for saliency
    const api = await mutate<{ prediction: { label: string }; methods: { method: string; warnings: string[] }[] }>(app.url, 'explain.compare', {
      image: dataUrl(png),
      methods: ['gradcam', 'saliency'],
      target: 'triangle',
    });
    expect(api.prediction.label).toBe('triangle');
    const [gradcamWarnings, saliencyWarnings] = api.methods.map((m) => m.warnings);
    expect(gradcamWarnings.length).toBeGreaterThan(0);
    expect(saliencyWarnings).toEqual([]);
    const tile = page.locator('[data-testid=map-tile][data-method=gradcam] [data-testid=map-warnings]');
    expect(await tile.isVisible()).toBe(true);
    expect(await tile.locator('li').allTextContents()).toEqual(gradcamWarnings);
    expect(await page.locator('[data-testid=map-tile][data-method=saliency] [data-testid=map-warnings]').count()).toBe(0);
  });

  it('explain: a labelled colour scale beside the maps is the jet colormap the overlays use', async () => {
    const scale = page.locator('[data-testid=colour-scale]');
    expect(await scale.isVisible()).toBe(true);
    const text = (await scale.textContent()) ?? '';
    for (const words of ['0 = low', '1 = high', '0.5', 'jet']) expect(text).toContain(words);
    expect(await page.locator('[data-testid=colour-bar]').getAttribute('aria-label')).toMatch(/dark blue = 0, low .* dark red = 1, high/);
    // the bar as the browser paints it, sampled along its middle row against tensor-backend's jet
    const bar = page.locator('[data-testid=colour-bar]');
    const shot = sharp(await bar.screenshot());
    const { data, info } = await shot.raw().toBuffer({ resolveWithObject: true });
    const inner = info.width - 2; // a 1 px border on each side
    const row = Math.floor(info.height / 2);
    let worst = 0;
    for (const t of [0.02, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 0.98]) {
      const x = 1 + Math.floor(t * inner);
      const at = (row * info.width + x) * info.channels;
      const want = jet((x - 1 + 0.5) / inner);
      for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(data[at + c] - want[c]));
    }
    expect(worst).toBeLessThanOrEqual(8);
  });

  it('explain: every map downloads as overlay PNG, heatmap PNG and .npy; the table and the curves as CSV and JSON', async () => {
    const explained = (await page.textContent('[data-testid=explained-class]')) ?? '';
    const tiles = page.locator('[data-testid=map-tile]');
    const methods = await tiles.evaluateAll((els) => els.map((e) => e.getAttribute('data-method') ?? ''));
    expect(methods.length).toBeGreaterThanOrEqual(2);
    for (const method of methods) {
      const tile = page.locator(`[data-testid=map-tile][data-method="${method}"]`);
      const shown = await tile.locator('img[data-testid=heatmap]').evaluate((e) => [(e as HTMLImageElement).naturalWidth, (e as HTMLImageElement).naturalHeight]);
      const overlay = await download(page, linkOf(tile, 'png', 'overlay'));
      expect(overlay.name).toBe(`shapes-resnet-${slug(method)}-${explained}-overlay.png`);
      expect(isPng(overlay.bytes)).toBe(true);
      const o = await sharp(overlay.bytes).metadata();
      expect([o.width, o.height]).toEqual(shown);
      const heat = await download(page, linkOf(tile, 'png', 'heatmap'));
      expect(heat.name).toBe(`shapes-resnet-${slug(method)}-${explained}-heatmap.png`);
      expect(isPng(heat.bytes)).toBe(true);
      const h = await sharp(heat.bytes).metadata();
      expect([h.width, h.height]).toEqual(shown);
      expect((await sharp(heat.bytes).raw().toBuffer()).equals(await sharp(overlay.bytes).raw().toBuffer())).toBe(false);
      const npy = await download(page, linkOf(tile, 'npy'));
      expect(npy.name).toBe(`shapes-resnet-${slug(method)}-${explained}-map.npy`);
      const map = readNpy(npy.bytes);
      expect(map.dtype).toBe('float32');
      expect(map.dims).toEqual([96, 96]); // the classifier's input size
      const values = [...(map.data as Float32Array)];
      expect(Math.min(...values)).toBeGreaterThanOrEqual(0);
      expect(Math.max(...values)).toBeLessThanOrEqual(1);
    }
    const tables = page.locator('[data-testid=table-downloads]');
    const table = await download(page, linkOf(tables, 'csv', 'table'));
    expect(table.name).toBe(`shapes-resnet-${explained}-comparison.csv`);
    const csv = readCsv(table.bytes);
    expect(csv.header).toEqual(['model', 'class', 'class_index', 'method', 'insertion_auc', 'deletion_auc', 'ms', 'warnings']);
    expect(csv.rows.map((r) => r[3])).toEqual(methods);
    expect(csv.rows.every((r) => r[1] === explained)).toBe(true);
    const shownAucs = await page.locator('[data-testid=metrics-table] tbody tr td:nth-child(2)').allTextContents();
    expect(csv.rows.map((r) => Number(r[4]).toFixed(3))).toEqual(shownAucs);
    const json = readJson<{ class: string; methods: { method: string; insertionAuc: number; warnings: string[] }[] }>((await download(page, linkOf(tables, 'json', 'table'))).bytes);
    expect(json.class).toBe(explained);
    expect(json.methods.map((m) => [m.method, m.insertionAuc])).toEqual(csv.rows.map((r) => [r[3], Number(r[4])]));
    const curves = readCsv((await download(page, linkOf(tables, 'csv', 'curves'))).bytes);
    expect(curves.header).toEqual(['method', 'fraction', 'insertion', 'deletion']);
    const curvesJson = readJson<{ methods: { method: string; fractions: number[]; insertion: number[] }[] }>((await download(page, linkOf(tables, 'json', 'curves'))).bytes);
    expect(curves.rows.length).toBe(curvesJson.methods.reduce((n, m) => n + m.fractions.length, 0));
    expect(curves.rows.filter((r) => r[0] === methods[0]).map((r) => Number(r[2]))).toEqual(curvesJson.methods[0].insertion);
  });

  /** The Explain page with scene 0 uploaded and the VPS panel set to its first object's phrase and 9 regions. */
  async function vpsPanel(): Promise<string> {
    const { bytes: png, scene } = await scenePng(0);
    await page.goto(`${app.url}/explain`);
    await page.setInputFiles('[data-testid=upload]', { name: 'scene.png', mimeType: 'image/png', buffer: png });
    const phrase = scene.objects[0].phrases[0];
    await page.fill('[data-testid=vps-query]', phrase);
    await page.fill('[data-testid=vps-regions]', '9');
    return phrase;
  }

  it('explain: a VPS job shows the overlay with its box, and downloads the overlay, the map (.npy) and the curves', async () => {
    const phrase = await vpsPanel();
    await page.click('[data-testid=vps-run]');
    await page.waitForSelector('img[data-testid=vps-map]');
    const vps = page.locator('[data-testid=vps-downloads]');
    const base = `shapes-grounder-gwq4-vps-${slug(phrase)}`;
    const overlay = await download(page, linkOf(vps, 'png'));
    expect(overlay.name).toBe(`${base}-overlay.png`);
    expect(isPng(overlay.bytes)).toBe(true);
    expect(await page.locator('.vps-result [data-testid=colour-scale]').isVisible()).toBe(true);
    // the map the job kept on the server: at the upload's size, values in [0, 1]
    const npy = await download(page, linkOf(vps, 'npy'));
    expect(npy.name).toBe(`${base}-map.npy`);
    const map = readNpy(npy.bytes);
    expect(map.dims).toEqual([96, 96]);
    expect(Math.max(...(map.data as Float32Array))).toBeCloseTo(1, 5);
    const curves = readCsv((await download(page, linkOf(vps, 'csv'))).bytes);
    expect(curves.header).toEqual(['fraction', 'insertion', 'deletion']);
    const json = readJson<{ query: string; box: number[]; curves: { fractions: number[]; insertion: number[] } }>((await download(page, linkOf(vps, 'json'))).bytes);
    expect(json.query).toBe(phrase);
    expect(json.box).toHaveLength(4);
    expect(curves.rows.map((r) => Number(r[1]))).toEqual(json.curves.insertion);
  });

  it('explain: diverse explanations show the k sampled sets side by side, best first, with their scores and maps', async () => {
    const phrase = await vpsPanel();
    await page.fill('[data-testid=vps-k]', '3');
    await page.click('[data-testid=vps-diverse-run]');
    await page.waitForSelector('[data-testid=vps-diverse]');
    const sets = page.locator('[data-testid=vps-diverse-set]');
    expect(await sets.count()).toBe(3);
    // side by side: one row of figures
    const tops = await sets.evaluateAll((els) => els.map((e) => Math.round(e.getBoundingClientRect().top)));
    expect(new Set(tops).size).toBe(1);
    const scores = (await page.locator('[data-testid=vps-diverse-score]').allTextContents()).map(Number);
    expect(scores.every((v) => Number.isFinite(v))).toBe(true);
    expect([...scores].sort((a, b) => b - a)).toEqual(scores);
    expect(Number(await page.locator('[data-testid=vps-diversity]').textContent())).toBeGreaterThan(0);
    const npy = await download(page, linkOf(page.locator('[data-testid=vps-diverse-downloads-1]'), 'npy'));
    expect(npy.name).toBe(`shapes-grounder-gwq4-vps-${slug(phrase)}-set-1.npy`);
    expect(readNpy(npy.bytes).dims).toEqual([96, 96]);
  });

  it('quantize: a job runs to completion with a live progress bar, and lands in the table', async () => {
    await page.goto(`${app.url}/quantize`);
    const rowsBefore = await page.locator('[data-testid=quant-row]').count();
    await page.selectOption('[data-testid=quant-method]', 'gwq');
    await page.selectOption('[data-testid=quant-bits]', '4');
    await page.fill('[data-testid=quant-calib]', '4');
    await page.fill('[data-testid=quant-windows]', '200');
    await page.click('[data-testid=quant-run]');
    const bar = page.locator('[role=progressbar]').first();
    await bar.waitFor();
    // sample the bar while the job runs: it moves through intermediate values
    const seen = new Set<number>();
    const t0 = Date.now();
    while (Date.now() - t0 < 170_000) {
      if ((await page.locator('[data-testid=quant-row]').count()) > rowsBefore) break;
      const v = Number((await bar.getAttribute('aria-valuenow').catch(() => null)) ?? NaN);
      if (Number.isFinite(v)) seen.add(v);
      await page.waitForTimeout(100);
    }
    expect([...seen].some((v) => v > 0 && v < 100)).toBe(true);
    expect(seen.size).toBeGreaterThanOrEqual(3);
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=quant-row]').length > n, rowsBefore);
    const row = (await page.locator('[data-testid=quant-row]').allTextContents()).join('\n');
    expect(row.toLowerCase()).toContain('gwq');
    expect(await page.locator('svg[data-testid=ppl-chart]').count()).toBe(1);
  });

  it('quantize: an RTN row shows the 0 outliers it kept, sizes in MiB, the windows of its perplexities, a working ONNX download; the table downloads', async () => {
    // asked for 1% outliers through the API: RTN keeps none, and the page must say what was kept
    const started = await mutate<Job>(app.url, 'quant.run', { method: 'rtn', bits: 8, outliers: 1, evalWindows: 2 });
    const done = await waitFor(() => query<Job>(app.url, 'jobs.get', { id: started.id }), (j) => j.status === 'succeeded' || j.status === 'failed');
    expect(done.status, done.error ?? '').toBe('succeeded');
    const r = done.result as { outlierPercent: number; sizeBytes: number; ppl: number; evalWindows: number; evalWindowsTotal: number };
    expect(r.outlierPercent).toBe(0);

    await page.goto(`${app.url}/quantize`);
    const row = page.locator(`[data-testid=quant-row][data-job="${started.id}"]`);
    await row.waitFor();
    expect(Number(await row.locator('[data-testid=quant-outliers-cell]').textContent())).toBe(0);
    const headers = await page.locator('[data-testid=quant-table] th').allTextContents();
    expect(headers).toContain('size MiB');
    expect(headers.join(' ')).not.toMatch(/\bMB\b/);
    const cells = await row.locator('td').allTextContents();
    expect(cells[headers.indexOf('size MiB')]).toBe((r.sizeBytes / 1024 / 1024).toFixed(3));
    expect(cells[headers.indexOf('Brown test windows')]).toBe(`2 of ${r.evalWindowsTotal}`);
    expect(r.evalWindowsTotal).toBe(1899);
    // the card's perplexity is over all the test windows
    const { card } = await query<{ card: { metrics: { ppl: number } } }>(app.url, 'models.get', { name: 'brown-gpt' });
    const stated = /FP32 perplexity ([\d.]+) on all 1899 Brown test windows/.exec((await page.textContent('[data-testid=card-ppl]')) ?? '');
    expect(Math.abs(Number(stated?.[1]) - card.metrics.ppl)).toBeLessThan(0.05);
    // picking RTN in the form: no outlier share to ask for
    await page.selectOption('[data-testid=quant-method]', 'rtn');
    expect(await page.locator('[data-testid=quant-outliers]').isDisabled()).toBe(true);

    // the quantized model, as the browser saves it: the size in the table, and it runs like the FP32 model
    const onnx = await download(page, linkOf(row, 'onnx'));
    expect(onnx.name).toBe('brown-gpt-rtn-8bit.onnx');
    expect(onnx.bytes.length).toBe(r.sizeBytes);
    const ids = tensor('int64', [1, 6], BigInt64Array.from([2n, 10n, 20n, 30n, 40n, 50n]));
    const quantized = OnnxModel.fromBytes(new Uint8Array(onnx.bytes));
    const fp32 = OnnxModel.load(new URL('../../models/brown-gpt/model.onnx', import.meta.url).pathname);
    try {
      const [q, f] = [(await quantized.run({ input_ids: ids }, ['logits'])).logits, (await fp32.run({ input_ids: ids }, ['logits'])).logits];
      expect(q.dims).toEqual([1, 6, 10000]);
      const qd = q.data as Float32Array;
      const fd = f.data as Float32Array;
      let diff = 0;
      let scale = 0;
      for (let i = 0; i < fd.length; i++) {
        diff = Math.max(diff, Math.abs(qd[i] - fd[i]));
        scale = Math.max(scale, Math.abs(fd[i]));
      }
      expect(diff / scale).toBeLessThan(0.05); // 8-bit weights: logits close to FP32's
    } finally {
      await quantized.release();
      await fp32.release();
    }

    // the whole table as CSV and JSON
    const files = page.locator('[data-testid=quant-downloads]');
    const csv = readCsv((await download(page, linkOf(files, 'csv'))).bytes);
    expect(csv.header.slice(0, 4)).toEqual(['job', 'model', 'method', 'bits']);
    expect(csv.header).toEqual(expect.arrayContaining(['outlier_percent', 'size_bytes', 'eval_windows', 'eval_windows_total', 'ppl', 'ppl_fp32', 'ppl_fp32_card_all_windows', 'model_url']));
    expect(csv.rows.length).toBe(await page.locator('[data-testid=quant-row]').count());
    const mine = csv.rows.find((c) => c[0] === started.id) ?? [];
    expect(Number(mine[csv.header.indexOf('outlier_percent')])).toBe(0);
    expect(Number(mine[csv.header.indexOf('ppl')])).toBe(r.ppl);
    const json = readJson<{ job: string; outlierPercent: number; ppl: number }[]>((await download(page, linkOf(files, 'json'))).bytes);
    expect(json.length).toBe(csv.rows.length);
    expect(json.find((j) => j.job === started.id)).toMatchObject({ outlierPercent: 0, ppl: r.ppl });

    // one job's table (the Jobs page) says which windows its FP32 perplexity is on
    await page.goto(`${app.url}/jobs`);
    await page.click(`[data-testid=job-row][data-job="${started.id}"]`);
    expect(await page.locator('[data-testid=job-details] [data-testid=fp32-header]').textContent()).toBe('FP32 perplexity (2 of 1899 test windows)');
  });

  it('jobs and models pages list what the API has', async () => {
    await page.goto(`${app.url}/jobs`);
    await page.waitForSelector('[data-testid=job-row]');
    expect((await page.locator('[data-testid=job-row]').allTextContents()).join(' ')).toMatch(/succeeded/);
    await page.goto(`${app.url}/models`);
    await page.waitForSelector('[data-testid=model-card]');
    const names = await page.locator('[data-testid=model-card] h2').allTextContents();
    expect(names).toEqual(expect.arrayContaining(['shapes-grounder', 'shapes-grounder-gwq4', 'shapes-resnet', 'brown-gpt']));
  });
});
