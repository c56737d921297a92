/**
 * `gradloc make-gpt` at 3M: one JSON line describing the folder it wrote (graph, external
 * weights, tokenizer); bad sizes, vocabularies, flags and busy folders fail in one line.
 */
import { join } from 'node:path';
import { mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectOneLineError, gradloc, tempDir, type CliRun } from './helpers.js';

let dir: string;
let run: CliRun;

beforeAll(() => {
  dir = tempDir();
  run = gradloc(['make-gpt', '--params', '3M', '--vocab', 'brown', '--out', 'gpt', '--context', '32', '--seed', '2'], dir);
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('gradloc make-gpt', () => {
  it('prints one JSON line with the folder, the counts and the shape', () => {
    expect(run.code, run.stderr).toBe(0);
    const lines = run.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    const r = JSON.parse(lines[0]) as Record<string, unknown>;
    expect(Object.keys(r)).toEqual(['dir', 'params', 'weight_bytes', 'dim', 'depth', 'heads', 'context', 'vocab', 'ms']);
    // 3M's count at context 128 less 96 positions of width 192
    expect(r).toMatchObject({ dir: join(dir, 'gpt'), params: 3_724_416 - 96 * 192, weight_bytes: 4 * (3_724_416 - 96 * 192), dim: 192, depth: 4, heads: 4, context: 32, vocab: 10_000 });
    expect(r.ms).toBeGreaterThan(0);
    expect(run.stderr).toMatch(/make-gpt: build 3M: dim 192/);
  });

  it('writes the graph, the weights beside it and the tokenizer', () => {
    const out = join(dir, 'gpt');
    expect(readdirSync(out).sort()).toEqual(['model.onnx', 'model.onnx.data', 'tokenizer.json']);
    expect(statSync(join(out, 'model.onnx')).size).toBeLessThan(64 * 1024);
    expect(statSync(join(out, 'model.onnx.data')).size).toBeGreaterThan(14_000_000);
  });

  it('gradloc quantize streams the made model (external weights): same file as quantizing it with its weights inline', async () => {
    const out = join(dir, 'gpt');
    const calib = ['--calib', 'brown:train:4', '--group', '64'];
    const streamed = gradloc(['quantize', '--model', join(out, 'model.onnx'), '--out', 'q-streamed.onnx', ...calib], dir);
    expect(streamed.code, streamed.stderr).toBe(0);
    const r = JSON.parse(streamed.stdout.trim()) as Record<string, unknown>;
    expect(r).toMatchObject({ streamed: true, matrices: 17, embeddings: 2 });
    expect(r.peak_rss_bytes).toBeGreaterThan(0);
    // the same model with its weights inside model.onnx takes the whole-graph path
    const { loadModel, saveModel } = await import('@gradloc/tensor-backend');
    mkdirSync(join(dir, 'inline'));
    saveModel(join(dir, 'inline', 'model.onnx'), loadModel(join(out, 'model.onnx')));
    const whole = gradloc(['quantize', '--model', join(dir, 'inline', 'model.onnx'), '--out', 'q-whole.onnx', ...calib], dir);
    expect(JSON.parse(whole.stdout.trim())).toMatchObject({ streamed: false, bits_per_weight: r.bits_per_weight, size_bytes: r.size_bytes });
    const inits = (p: string) => new Map(loadModel(join(dir, p)).graph!.initializer.map((t) => [t.name, Buffer.from(t.raw_data ?? []).toString('base64')]));
    expect(inits('q-streamed.onnx')).toEqual(inits('q-whole.onnx'));
  }, 120_000);

  it('--help lists the sizes and their shapes', () => {
    const r = gradloc(['make-gpt', '--help']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--params 3M\|30M\|120M\|500M/);
    expect(r.stdout).toMatch(/500M {2}dim 1280, depth 25, heads 20/);
  });

  it.each([
    ['an unknown size', ['--params', '40M', '--vocab', 'brown', '--out', 'x'], /--params must be one of 3M, 30M, 120M, 500M, got '40M'/],
    ['another vocabulary', ['--params', '3M', '--vocab', 'gpt2', '--out', 'x'], /--vocab must be one of brown/],
    ['no --vocab', ['--params', '3M', '--out', 'x'], /missing required flag --vocab/],
    ['no --out', ['--params', '3M', '--vocab', 'brown'], /missing required flag --out/],
    ['an unknown flag', ['--params', '3M', '--vocab', 'brown', '--out', 'x', '--layers', '3'], /unknown flag --layers/],
    ['a context of 0', ['--params', '3M', '--vocab', 'brown', '--out', 'x', '--context', '0'], /--context must be a whole number >= 1/],
  ])('%s -> BAD_INPUT in one line, nothing written', (_what, args, message) => {
    const r = gradloc(['make-gpt', ...args], dir);
    expectOneLineError(r, 'BAD_INPUT');
    expect(r.stderr).toMatch(message);
    expect(readdirSync(dir)).not.toContain('x');
  });

  it('refuses a folder that is not empty unless --force', () => {
    const busy = join(dir, 'busy');
    mkdirSync(busy);
    writeFileSync(join(busy, 'keep.txt'), '');
    const args = ['make-gpt', '--params', '3M', '--vocab', 'brown', '--out', busy, '--context', '8'];
    const r = gradloc(args, dir);
    expectOneLineError(r, 'BAD_INPUT');
    expect(r.stderr).toMatch(/is not empty/);
    expect(gradloc([...args, '--force'], dir).code).toBe(0);
    expect(readdirSync(busy).sort()).toEqual(['keep.txt', 'model.onnx', 'model.onnx.data', 'tokenizer.json']);
  });
});
