/**
 * Client-side downloads of data the page already holds: tables as CSV or JSON, images and
 * arrays that arrived as data URLs or base64. Every page builds its files here (components/Downloads
 * shows the links), so a CSV reads the same wherever it comes from. Files a job kept on the server
 * are plain links to their URL.
 */

export type Cell = string | number | boolean | null | undefined;
export type CsvRow = Readonly<Record<string, Cell>>;

/** One CSV cell (RFC 4180): quoted when it holds a comma, a quote or a line break; numbers in full precision. */
function csvCell(v: Cell): string {
  if (v === null || v === undefined) return '';
  const s = String(v);
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Rows as CSV text: a header row (the columns, by default the first row's keys), then one line a row. */
export function toCsv(rows: readonly CsvRow[], columns: readonly string[] = rows.length ? Object.keys(rows[0]) : []): string {
  const lines = [columns.map(csvCell).join(','), ...rows.map((r) => columns.map((c) => csvCell(r[c])).join(','))];
  return `${lines.join('\r\n')}\r\n`;
}

export const csvBlob = (rows: readonly CsvRow[], columns?: readonly string[]): Blob => new Blob([toCsv(rows, columns)], { type: 'text/csv;charset=utf-8' });

export const jsonBlob = (value: unknown): Blob => new Blob([`${JSON.stringify(value, null, 2)}\n`], { type: 'application/json' });

/** Base64 text as the bytes it encodes. */
export function base64Bytes(base64: string): Uint8Array<ArrayBuffer> {
  const text = atob(base64);
  const bytes = new Uint8Array(text.length);
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i);
  return bytes;
}

export const base64Blob = (base64: string, type = 'application/octet-stream'): Blob => new Blob([base64Bytes(base64)], { type });

/** A base64 data URL (data:image/png;base64,...) as a Blob of its type. */
export function dataUrlBlob(url: string): Blob {
  const m = /^data:([^;,]*)(?:;[^,]*)?;base64,(.*)$/s.exec(url);
  if (!m) throw new Error('not a base64 data URL');
  return base64Blob(m[2], m[1] || 'application/octet-stream');
}

/** Saves a Blob the page made as a file (the browser's download, as a link with `download` would). */
export function saveBlob(blob: Blob, filename: string): void {
  const url = URL.createObjectURL(blob);
  const a = document.createElement('a');
  a.href = url;
  a.download = filename;
  a.rel = 'noopener';
  document.body.append(a);
  a.click();
  a.remove();
  // the download has started from the URL by now; a minute leaves slow disks time, then the memory goes
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}

/** A file name from its parts (model, method, class, what): lower case, safe characters, joined by '-'. */
export function fileName(parts: readonly (string | number | null | undefined)[], extension: string): string {
  const words = parts
    .filter((p): p is string | number => p !== null && p !== undefined && p !== '')
    .map((p) =>
      String(p)
        .toLowerCase()
        .replace(/\+/g, 'plus')
        .replace(/[^a-z0-9.]+/g, '-')
        .replace(/^-+|-+$/g, ''),
    )
    .filter(Boolean);
  return `${words.join('-') || 'download'}.${extension}`;
}
