/**
 * openGrounder on a Hugging Face-style export folder (onnx/model.onnx, tokenizer.json,
 * tokenizer_config.json, preprocessor_config.json), made here from the shipped shapes-grounder:
 * the folder's own tokenizer.json (a WordLevel model over the shapes vocabulary, with a
 * template adding <bos>/<eos>) must give the shapes tokenizer's ids, and preprocessor_config's
 * mean/std must come back as the normalisation the adapter applies.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { GradlocError } from '@gradloc/tensor-backend';
import { openGrounder, tokenizePhrases } from '../src/index.js';
import { writeHfGrounderFolder } from './helpers/hf-folder.js';

const dir = mkdtempSync(join(tmpdir(), 'hf-grounder-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('openGrounder on a Hugging Face export folder', () => {
  writeHfGrounderFolder(dir, { mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.5] });
  const source = openGrounder(dir, { runtime: { threads: 1 } });
  afterAll(() => source.model.release());

  it('tokenizes with the folder tokenizer.json exactly as the shapes tokenizer does', () => {
    for (const q of ['a red circle', 'The Blue Star', 'purple cross']) {
      expect([...(source.encodeQuery(q).input_ids.data as BigInt64Array)]).toEqual([...(tokenizePhrases([q], 8).ids.data as BigInt64Array)]);
    }
  });

  it('reads the normalisation and size from preprocessor_config.json and has no card', () => {
    expect(source.normalize).toEqual({ mean: [0.5, 0.4, 0.3], std: [0.2, 0.25, 0.5] });
    expect(source.size).toEqual({ height: 96, width: 96 });
    expect(source.card).toBeUndefined();
  });

  it('refuses words the tokenizer has no id for, and queries longer than the model takes', () => {
    expect(() => source.encodeQuery('a dragon')).toThrow(GradlocError);
    expect(() => source.encodeQuery('a red circle and a blue star and a green ring')).toThrow(/at most 8/);
  });
});
