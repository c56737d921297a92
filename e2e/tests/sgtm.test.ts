/**
 * The SGTM page in Debian's chromium against the real app: the trade-off and recovery charts
 * from the shipped results, the compare table (its six numbers equal what sgtm.eval answers),
 * and a small training job that ends with its losses and downloadable model files.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { RunningApp } from '../helpers/app.js';
import { hasChromium } from '../helpers/browser.js';
import { browserSession } from '../helpers/session.js';
import { mutate, query } from '../helpers/trpc.js';

interface Losses {
  readonly retain_loss: number;
  readonly forget_loss: number;
}

const cells = async (page: Page, table: string): Promise<number[]> =>
  page.locator(`[data-testid=${table}] td[data-testid$=-loss]`).evaluateAll((els) => els.map((e) => Number(e.textContent)));

describe.skipIf(!hasChromium)('the SGTM page in a real browser', () => {
  const session = browserSession(180_000);
  let app: RunningApp;
  let page: Page;
  beforeAll(() => {
    ({ app, page } = session);
  });

  it('shows the trade-off from the results the API serves', async () => {
    await page.goto(`${app.url}/sgtm`);
    const results = await query<{ points: unknown[]; recovery?: unknown } | null>(app.url, 'sgtm.results');
    if (results) {
      await page.waitForSelector('svg[data-testid=sgtm-tradeoff]');
      // one marker per point (method x undiscovered rate)
      expect(await page.locator('svg[data-testid=sgtm-tradeoff] circle').count()).toBeGreaterThanOrEqual(results.points.length);
      if (results.recovery) await page.waitForSelector('svg[data-testid=sgtm-recovery]');
    } else await page.waitForSelector('[data-testid=sgtm-no-results]');
  });

  it('compare: six losses, the same as sgtm.eval gives, the cipher loss jumping after ablation', async () => {
    await page.goto(`${app.url}/sgtm`);
    await page.fill('[data-testid=sgtm-windows]', '4');
    await page.click('[data-testid=sgtm-compare]');
    await page.waitForFunction(() => Array.from(document.querySelectorAll('[data-testid=sgtm-compare-table] td[data-testid$=-loss]')).every((e) => e.textContent !== '…'));
    const shown = await cells(page, 'sgtm-compare-table');
    expect(shown).toHaveLength(6);
    const api: Losses[] = [];
    for (const [ablate, calibrate] of [[false, false], [true, false], [true, true]]) api.push(await mutate<Losses>(app.url, 'sgtm.eval', { model: 'sgtm-bilingual', ablate, calibrate, maxWindows: 4 }));
    api.forEach((l, i) => {
      expect(shown[2 * i]).toBeCloseTo(l.retain_loss, 2);
      expect(shown[2 * i + 1]).toBeCloseTo(l.forget_loss, 2);
    });
    expect(shown[3] - shown[1]).toBeGreaterThan(2);
  });

  it('train: a 4-step job runs with progress and ends with its losses and three files', async () => {
    await page.goto(`${app.url}/sgtm`);
    await page.fill('[data-testid=sgtm-steps]', '4');
    await page.click('[data-testid=sgtm-train]');
    await page.waitForSelector('[data-testid=sgtm-trained]');
    expect((await cells(page, 'sgtm-trained-table')).every((v) => Number.isFinite(v) && v > 0)).toBe(true);
    const links = page.locator('[data-testid=sgtm-downloads] a');
    expect(await links.count()).toBe(3);
    const href = await links.first().getAttribute('href');
    const res = await fetch(`${app.url}${href}`);
    expect(res.status).toBe(200);
  });
});
