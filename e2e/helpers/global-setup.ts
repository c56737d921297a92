/** Says loudly, once, when the browser tests cannot run here. */
import { CHROMIUM, hasChromium } from './browser.js';

export default function setup(): void {
  if (!hasChromium) {
    const line = '!'.repeat(78);
    console.warn(`\n${line}\n!! e2e: SKIPPING the browser tests: no chromium at ${CHROMIUM}\n!! install it with: apt-get install -y chromium (or set CHROMIUM_PATH)\n${line}\n`);
  }
}
