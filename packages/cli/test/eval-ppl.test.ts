/**
 * `gradloc eval-ppl` on a few-step brown-gpt (trained by `gradloc train`): the same perplexity as evaluateModel,
 * one JSON line on stdout; bad data specs and foreign vocabularies fail in one line.
 */
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildGPT, saveModel } from '@gradloc/tensor-backend';
import { evaluateModel, type Metrics } from '@gradloc/models';
import { buildMlp, expectOneLineError, gradloc, tempDir } from './helpers.js';

let dir: string;
let metrics: Metrics;
const WINDOWS = 5;

beforeAll(async () => {
  dir = tempDir();
  expect(gradloc(['train', 'brown-gpt', '--out', dir, '--steps', '1', '--eval-samples', String(WINDOWS), '--threads', '2']).code).toBe(0);
  metrics = await evaluateModel(dir, { threads: 2 });
  saveModel(join(dir, 'small-vocab.onnx'), buildGPT({ vocab: 500, context: 16, dim: 8, depth: 1, heads: 2, seed: 1 }).toModel());
  buildMlp(dir);
}, 60_000);

describe('gradloc eval-ppl', () => {
  it.each([
    ['brown:test', 'ppl'],
    ['brown:val', 'ppl_validation'],
  ])('--data %s prints the %s that evaluateModel computes', (data, key) => {
    const r = gradloc(['eval-ppl', '--model', 'model.onnx', '--data', data, '--max-windows', String(WINDOWS), '--threads', '2'], dir);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(Object.keys(JSON.parse(lines[0]))).toEqual(['ppl']);
    expect(JSON.parse(lines[0]).ppl).toBe(metrics[key]);
    expect(r.stderr).toMatch(/context 64, stride 64: 5 windows, 320 predicted tokens \(SUBSET: --max-windows 5 of 18\d\d windows\)/);
  });

  it.each([
    ['a corpus other than brown', 'BAD_INPUT', ['--model', 'model.onnx', '--data', 'wiki:test']],
    ['an unknown split', 'BAD_INPUT', ['--model', 'model.onnx', '--data', 'brown:holdout']],
    ['a split without corpus', 'BAD_INPUT', ['--model', 'model.onnx', '--data', 'test']],
    ['a vocabulary other than the tokenizer', 'BAD_MODEL', ['--model', 'small-vocab.onnx', '--data', 'brown:test']],
    ['a model that is not a causal LM', 'BAD_MODEL', ['--model', 'mlp-float32.onnx', '--data', 'brown:test']],
    ['a missing model', 'FILE_NOT_FOUND', ['--model', 'nope.onnx', '--data', 'brown:test']],
    ['stride above the context', 'BAD_INPUT', ['--model', 'model.onnx', '--data', 'brown:test', '--stride', '65']],
    ['no --data', 'BAD_INPUT', ['--model', 'model.onnx']],
  ])('%s -> %s in one line', (_what, code, args) => {
    const r = gradloc(['eval-ppl', ...args], dir);
    expectOneLineError(r, code);
  });

  it('says what the vocabulary mismatch is', () => {
    expect(gradloc(['eval-ppl', '--model', 'small-vocab.onnx', '--data', 'brown:test'], dir).stderr).toMatch(/500 entries.*10000/);
  });
});
