/**
 * The visual-localization page in Debian's chromium against the real app: a held-out test frame
 * of the shipped ofvl-rooms model, localized without naming the scene; the page shows the pose
 * localize.pose answers over HTTP for the same frame, and the room map draws the true and the
 * estimated camera on the test trajectory.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import type { RunningApp } from '../helpers/app.js';
import { hasChromium } from '../helpers/browser.js';
import { browserSession } from '../helpers/session.js';
import { mutate, query } from '../helpers/trpc.js';

interface Pose {
  readonly scene: string;
  readonly position: number[];
  readonly inliers: number;
}

describe.skipIf(!hasChromium)('the localization page in a real browser', () => {
  const session = browserSession(180_000);
  let app: RunningApp;
  let page: Page;
  beforeAll(() => {
    ({ app, page } = session);
  });

  it('localizes a test frame and draws both cameras on the room map', async () => {
    await page.goto(`${app.url}/localize`);
    await page.waitForSelector('[data-testid=scene] option[value=room-2]', { state: 'attached' });
    await page.selectOption('[data-testid=scene]', 'room-2');
    await page.fill('[data-testid=frame-index]', '5');
    await page.click('[data-testid=pick-frame]');
    await page.waitForSelector('img[data-testid=frame]');
    await page.selectOption('[data-testid=scene]', '(which scene?)');
    await page.click('[data-testid=localize]');
    await page.waitForSelector('[data-testid=pose-scene]');
    const frame = await query<{ image: string }>(app.url, 'localize.frame', { scene: 'room-2', index: 5 });
    const api = await mutate<Pose>(app.url, 'localize.pose', { image: frame.image });
    expect(await page.textContent('[data-testid=pose-scene]')).toBe(api.scene);
    expect(Number(await page.textContent('[data-testid=pose-inliers]'))).toBe(api.inliers);
    const shown = (await page.textContent('[data-testid=pose-position]'))!.split(',').map(Number);
    shown.forEach((v, i) => expect(v).toBeCloseTo(api.position[i], 2));
    await page.waitForSelector('svg[data-testid=room-map] [data-testid=estimated-camera]');
    if (api.scene === 'room-2') await page.waitForSelector('svg[data-testid=room-map] [data-testid=true-camera]');
    expect(await page.locator('svg[data-testid=room-map] polyline[data-testid=trajectory]').count()).toBe(1);
  });

  it('answers an unknown scene over HTTP with the same one-line message as the CLI', async () => {
    const e = await mutate<unknown>(app.url, 'localize.pose', { image: 'data:image/png;base64,AAAA', scene: 'kitchen' }).then(
      () => null,
      (err: Error) => err.message,
    );
    expect(e).toMatch(/unknown scene 'kitchen'/);
  });
});
