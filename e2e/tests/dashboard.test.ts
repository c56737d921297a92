/**
 * The pages in Debian's chromium against the real app (built, migrated, served and working
 * jobs as `npm start` does). Results are checked against the generated scenes' ground truth
 * and against what the API itself answers, not just for being present.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import sharp from 'sharp';
import { iou, type Box } from '@gradloc/tensor-backend';
// held-out scenes as PNG bytes: the dashboard tests' helper
import { scenePng } from '../../apps/dashboard/test/helpers/images.js';
import { startApp, type RunningApp } from '../helpers/app.js';
import { hasChromium, launch } from '../helpers/browser.js';

describe.skipIf(!hasChromium)('the dashboard in a real browser', () => {
  let app: RunningApp;
  let browser: Browser;
  let page: Page;

  beforeAll(async () => {
    app = await startApp();
    browser = await launch();
    page = await browser.newPage();
    page.setDefaultTimeout(120_000);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
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
