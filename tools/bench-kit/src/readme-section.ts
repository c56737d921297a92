/** Replaces the text between `<!-- NAME:start -->` and `<!-- NAME:end -->` in a README (atomically). */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

/** The section's markers and where they are (-1 when missing). */
function locate(text: string, name: string): { start: string; end: string; i: number; j: number } {
  const [start, end] = [`<!-- ${name}:start -->`, `<!-- ${name}:end -->`];
  return { start, end, i: text.indexOf(start), j: text.indexOf(end) };
}

/** Whether the README has the section: scripts that measure for long check it before they start. */
export function hasSection(path: string, name: string): boolean {
  const { i, j } = locate(readFileSync(path, 'utf8'), name);
  return i >= 0 && j > i;
}

export function replaceSection(path: string, name: string, body: string): void {
  const text = readFileSync(path, 'utf8');
  const { start, end, i, j } = locate(text, name);
  if (i < 0 || j < i) throw new Error(`${path} has no ${start} ... ${end} section`);
  const next = `${text.slice(0, i + start.length)}\n${body.trimEnd()}\n${text.slice(j)}`;
  writeFileSync(`${path}.tmp`, next);
  renameSync(`${path}.tmp`, path);
}
