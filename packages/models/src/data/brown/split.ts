/**
 * The fixed train/validation/test split of the Brown corpus, by DOCUMENT so no passage of an
 * evaluation document is ever seen in training. Rule: number the 500 documents 0..499 in
 * file-name order (ca01 ... cr09); document i goes to validation if i % 10 == 8, to test if
 * i % 10 == 9, else to train. That is 400 / 50 / 50 documents (80/10/10), and because files
 * are grouped by genre, every 10th document is a systematic sample that spreads each split
 * over all genres in proportion (genres with fewer than 10 documents still get one each).
 */
import { GradlocError } from '@gradloc/tensor-backend';
import { loadBrownCorpus, type BrownDocument } from './corpus.js';

export type BrownSplit = 'train' | 'validation' | 'test';

export const BROWN_SPLITS: readonly BrownSplit[] = ['train', 'validation', 'test'];

/** The rule above, for docs and model cards. */
export const BROWN_SPLIT_RULE =
  'documents numbered 0..499 in file-name order (ca01..cr09): i % 10 == 8 -> validation, i % 10 == 9 -> test, else train';

/** Split of the document at position `index` in file-name order. */
export function brownSplitOf(index: number): BrownSplit {
  const r = index % 10;
  return r === 8 ? 'validation' : r === 9 ? 'test' : 'train';
}

/** Accepts the spellings a CLI user may type (`brown:val`, `brown:valid`). */
export function parseBrownSplit(name: string): BrownSplit {
  const n = name.toLowerCase();
  if (n === 'train' || n === 'test' || n === 'validation') return n;
  if (n === 'val' || n === 'valid' || n === 'dev') return 'validation';
  throw new GradlocError('BAD_INPUT', `unknown Brown split '${name}' (train, validation or test)`);
}

/** Documents of a split, in corpus order. */
export function brownDocuments(split: BrownSplit): readonly BrownDocument[] {
  return loadBrownCorpus().documents.filter((_, i) => brownSplitOf(i) === split);
}

/** Document ids of a split, in corpus order. */
export function brownSplitIds(split: BrownSplit): string[] {
  return brownDocuments(split).map((d) => d.id);
}
