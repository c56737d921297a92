/** Replaces the text between `<!-- NAME:start -->` and `<!-- NAME:end -->` in a README (atomically). */
import { readFileSync, renameSync, writeFileSync } from 'node:fs';

export function replaceSection(path: string, name: string, body: string): void {
  const text = readFileSync(path, 'utf8');
  const [start, end] = [`<!-- ${name}:start -->`, `<!-- ${name}:end -->`];
  const i = text.indexOf(start);
  const j = text.indexOf(end);
  if (i < 0 || j < i) throw new Error(`${path} has no ${start} ... ${end} section`);
  const next = `${text.slice(0, i + start.length)}\n${body.trimEnd()}\n${text.slice(j)}`;
  writeFileSync(`${path}.tmp`, next);
  renameSync(`${path}.tmp`, path);
}
