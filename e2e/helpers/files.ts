/** Files the pages offer for download, fetched as a user gets them (the browser's download) and read by format. */
import { readFile } from 'node:fs/promises';
import type { Locator, Page } from 'playwright-core';
import { decodeNpy, type Tensor } from '@gradloc/tensor-backend';

export interface Downloaded {
  /** The name the browser saves the file under. */
  readonly name: string;
  readonly bytes: Buffer;
}

/**
 * Chromium drops a page's download when more than ten start within about a second (tried:
 * clicks 100 ms apart lose the eleventh, 150 ms apart lose none of thirty). A person never
 * clicks that fast; the tests do, so their clicks are kept this far apart.
 */
const DOWNLOAD_SPACING_MS = 200;
let lastDownload = 0;

/** Clicks a download link or button and returns the file the browser saved. */
export async function download(page: Page, link: Locator): Promise<Downloaded> {
  const wait = lastDownload + DOWNLOAD_SPACING_MS - Date.now();
  if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  lastDownload = Date.now();
  const [d] = await Promise.all([page.waitForEvent('download', { timeout: 15_000 }), link.click()]);
  const failure = await d.failure();
  if (failure) throw new Error(`download of ${d.suggestedFilename()} failed: ${failure}`);
  return { name: d.suggestedFilename(), bytes: await readFile(await d.path()) };
}

/** The download links under `scope`, by the kind of file they offer (data-kind: the extension). */
export const linkOf = (scope: Locator, kind: string, label?: string): Locator => {
  const links = scope.locator(`[data-testid=download][data-kind=${kind}]`);
  return label ? links.filter({ hasText: label }) : links;
};

const PNG_MAGIC = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
export const isPng = (b: Buffer): boolean => b.subarray(0, 8).equals(PNG_MAGIC);

/** A .npy file: the magic string, then the array it holds. */
export function readNpy(b: Buffer): Tensor {
  if (!b.subarray(0, 6).equals(Buffer.from('\x93NUMPY', 'latin1'))) throw new Error('not a .npy file');
  return decodeNpy(new Uint8Array(b));
}

/** A CSV file (RFC 4180: quoted cells may hold commas, quotes and line breaks): its header row and data rows. */
export function readCsv(b: Buffer): { header: string[]; rows: string[][] } {
  const text = b.toString('utf8');
  const records: string[][] = [];
  let record: string[] = [];
  let cell = '';
  let quoted = false;
  const endCell = () => {
    record.push(cell);
    cell = '';
  };
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c !== '"') cell += c;
      else if (text[i + 1] === '"') {
        cell += '"';
        i++;
      } else quoted = false;
    } else if (c === '"') {
      quoted = true;
    } else if (c === ',') {
      endCell();
    } else if (c === '\n' || (c === '\r' && text[i + 1] === '\n')) {
      if (c === '\r') i++;
      endCell();
      records.push(record);
      record = [];
    } else {
      cell += c;
    }
  }
  if (cell !== '' || record.length) {
    endCell();
    records.push(record);
  }
  const [header = [], ...rows] = records;
  return { header, rows };
}

export const readJson = <T>(b: Buffer): T => JSON.parse(b.toString('utf8')) as T;
