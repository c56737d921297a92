/** The app and one chromium page for a test file: started before its tests, stopped after. */
import { afterAll, beforeAll } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { startApp, type RunningApp } from './app.js';
import { launch } from './browser.js';

export interface BrowserSession {
  readonly app: RunningApp;
  readonly page: Page;
}

/** Registers the hooks; read the session's fields inside tests (they exist once beforeAll ran). */
export function browserSession(timeoutMs = 120_000): BrowserSession {
  let app: RunningApp | undefined;
  let browser: Browser | undefined;
  let page: Page | undefined;
  beforeAll(async () => {
    app = await startApp();
    browser = await launch();
    page = await browser.newPage();
    page.setDefaultTimeout(timeoutMs);
  });
  afterAll(async () => {
    await browser?.close();
    await app?.stop();
  });
  const started = <T>(v: T | undefined): T => {
    if (v === undefined) throw new Error('the browser session is not started (use it inside tests)');
    return v;
  };
  return {
    get app() {
      return started(app);
    },
    get page() {
      return started(page);
    },
  };
}
