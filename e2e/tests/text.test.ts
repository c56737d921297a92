/**
 * The "Text to image" page in Debian's chromium against the real app: an uploaded scene and a
 * caption of its largest object; the page shows the score explain.text answers over HTTP for
 * the same picture and caption, one map per method, and the caption's words with weights that
 * sum to 1 for Grad-ECLIP.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { RunningApp } from '../helpers/app.js';
import { hasChromium } from '../helpers/browser.js';
import { browserSession } from '../helpers/session.js';
import { mutate } from '../helpers/trpc.js';
import { dataUrl, scenePng } from '../../apps/dashboard/test/helpers/images.js';

describe.skipIf(!hasChromium)('the text-to-image page in a real browser', () => {
  const session = browserSession(180_000);
  let app: RunningApp;
  let page: Page;
  beforeAll(() => {
    ({ app, page } = session);
  });

  it('explains a caption with every method side by side, words weighted', async () => {
    const { scene, bytes } = await scenePng(6, 2);
    const o = scene.objects[scene.largest];
    const text = `a ${o.colour} ${o.shape}`;
    await page.goto(`${app.url}/text`);
    await page.setInputFiles('[data-testid=upload]', { name: 'scene.png', mimeType: 'image/png', buffer: bytes });
    await page.fill('[data-testid=caption]', text);
    await page.click('[data-testid=explain-text]');
    await page.waitForSelector('[data-testid=text-result]', { timeout: 120_000 });
    const api = await mutate<{ score: number }>(app.url, 'explain.text', { image: dataUrl(bytes), text, methods: ['gradeclip'] });
    expect(await page.textContent('[data-testid=text-score] strong')).toBe(api.score.toFixed(4));
    const methods = await page.locator('[data-testid=text-map]').evaluateAll((els) => els.map((e) => e.getAttribute('data-method')));
    expect(methods).toEqual(['gradeclip', 'mmel', 'gradcam', 'attention', 'rollout']);
    const grad = page.locator('[data-testid=text-map][data-method=gradeclip] [data-testid=token-weights] .token');
    expect(await grad.allTextContents()).toEqual(text.split(' '));
    const weights = (await grad.evaluateAll((els) => els.map((e) => Number(e.getAttribute('data-weight'))))).reduce((s, w) => s + w, 0);
    expect(weights === 0 || Math.abs(weights - 1) < 1e-3).toBe(true);
    expect(await page.locator('[data-testid=text-map] img').count()).toBe(5);
  });

  it('shows the model\'s own refusal of an unknown word', async () => {
    await page.fill('[data-testid=caption]', 'a red unicorn');
    await page.click('[data-testid=explain-text]');
    await page.waitForSelector('.alert');
    expect(await page.textContent('.alert')).toMatch(/unicorn/);
  });
});
