/** Replaces the text between `<!-- NAME:start -->` and `<!-- NAME:end -->` in a README (the scripts' --write). */
import { readFileSync, writeFileSync } from 'node:fs';

export function writeSection(readme, name, text) {
  const [start, end] = [`<!-- ${name}:start -->`, `<!-- ${name}:end -->`];
  const before = readFileSync(readme, 'utf8');
  const a = before.indexOf(start);
  const b = before.indexOf(end);
  if (a < 0 || b < a) throw new Error(`${readme} has no ${start} ... ${end} section`);
  writeFileSync(readme, `${before.slice(0, a + start.length)}\n${text}\n${before.slice(b)}`);
}
