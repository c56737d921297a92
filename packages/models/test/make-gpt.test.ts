/**
 * makeGpt: the 3M size written as a folder (graph in model.onnx, every weight in
 * model.onnx.data, the Brown tokenizer beside them) that onnxruntime runs from the file,
 * parameter counts of every size (by formula: the large ones are not built here), and the
 * errors for a bad size, vocabulary or output folder.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// onnxruntime itself (tensor-backend's dependency) opens the file by path, so it reads the external data on its own
import * as ort from 'onnxruntime-node';
import { GradlocError, loadModel, OnnxModel, tensor } from '@gradloc/tensor-backend';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { brownTokenizerPath, BROWN_VOCAB_SIZE, GPT_SIZES, GPT_SIZE_NAMES, lmContext, makeGpt, type MadeGpt } from '../src/index.js';

const tmp = mkdtempSync(join(tmpdir(), 'make-gpt-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** GPT-2 with a tied head: embeddings + per block (2 LayerNorms, qkv, proj, MLP 4d) + final LayerNorm. */
const formula = (s: { dim: number; depth: number }, vocab: number, context: number): number =>
  vocab * s.dim + context * s.dim + s.depth * (12 * s.dim * s.dim + 13 * s.dim) + 2 * s.dim;

const expectBadInput = (f: () => unknown, message: RegExp): void => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(GradlocError);
    expect((e as GradlocError).code).toBe('BAD_INPUT');
    expect((e as Error).message).toMatch(message);
    return;
  }
  throw new Error('expected a BAD_INPUT error');
};

describe('GPT sizes', () => {
  it.each(GPT_SIZE_NAMES.filter((n) => n !== '3M').map((n) => [n]))('%s has that many parameters (within 5%), in heads of width 64', (name) => {
    const shape = GPT_SIZES[name];
    const params = formula(shape, BROWN_VOCAB_SIZE, 128);
    expect(Math.abs(params / (Number.parseInt(name, 10) * 1e6) - 1)).toBeLessThan(0.05);
    expect(shape.dim / shape.heads).toBe(64);
  });

  it("3M is brown-gpt's shape (its card counts 3,712,128 parameters at context 64)", () => {
    expect(formula(GPT_SIZES['3M'], BROWN_VOCAB_SIZE, 64)).toBe(3_712_128);
  });
});

describe('makeGpt 3M', () => {
  let made: MadeGpt;
  let dir: string;

  beforeAll(() => {
    dir = join(tmp, 'gpt3m');
    made = makeGpt({ params: '3M', out: dir });
  });

  it('reports the shape and counts every float initializer once', () => {
    expect(made.shape).toEqual({ dim: 192, depth: 4, heads: 4, context: 128, vocab: BROWN_VOCAB_SIZE });
    const model = loadModel(join(dir, 'model.onnx'), { loadExternalData: false });
    const floats = model.graph!.initializer.filter((t) => t.data_type === 1);
    const counted = floats.reduce((a, t) => a + t.dims.reduce((b: number, d) => b * Number(d), 1), 0);
    expect(made.params).toBe(counted);
    expect(made.params).toBe(formula(made.shape, BROWN_VOCAB_SIZE, 128));
    expect(made.params).toBe(3_724_416);
    expect(made.weightBytes).toBe(4 * made.params);
  });

  it('keeps every weight in model.onnx.data and copies the tokenizer', () => {
    expect(readdirSync(dir).sort()).toEqual(['model.onnx', 'model.onnx.data', 'tokenizer.json']);
    const model = loadModel(join(dir, 'model.onnx'), { loadExternalData: false });
    const floats = model.graph!.initializer.filter((t) => t.data_type === 1);
    expect(floats.filter((t) => t.data_location !== 1)).toEqual([]);
    expect(floats.every((t) => t.external_data.find((e) => e.key === 'location')?.value === 'model.onnx.data')).toBe(true);
    expect(statSync(join(dir, 'model.onnx')).size).toBeLessThan(64 * 1024);
    expect(statSync(join(dir, 'model.onnx.data')).size).toBeGreaterThanOrEqual(made.weightBytes);
    expect(readFileSync(join(dir, 'tokenizer.json'), 'utf8')).toBe(readFileSync(brownTokenizerPath(), 'utf8'));
  });

  it('runs in onnxruntime from the file: logits [1, T, 10000], the same through gradloc, evaluated at its context', async () => {
    const T = 7;
    const ids = Array.from({ length: T }, (_, i) => (i * 1237) % BROWN_VOCAB_SIZE);
    const session = await ort.InferenceSession.create(join(dir, 'model.onnx'), { intraOpNumThreads: 2 });
    const out = await session.run({ input_ids: new ort.Tensor('int64', BigInt64Array.from(ids.map(BigInt)), [1, T]) });
    expect(out.logits.dims).toEqual([1, T, BROWN_VOCAB_SIZE]);
    await session.release();
    const model = OnnxModel.load(join(dir, 'model.onnx'), { threads: 2 });
    try {
      const { logits } = await model.run({ input_ids: tensor('int64', [1, T], ids) });
      expect(logits.dims).toEqual([1, T, BROWN_VOCAB_SIZE]);
      expect(Array.from(logits.data as Float32Array)).toEqual(Array.from(out.logits.data as Float32Array));
      expect(lmContext(model)).toBe(128);
    } finally {
      await model.release();
    }
  });

  it('is reproducible from its seed and honours --context', () => {
    const again = makeGpt({ params: '3M', out: join(tmp, 'again'), context: 32 });
    expect(again.shape.context).toBe(32);
    expect(again.params).toBe(made.params - 96 * 192);
    // the position table is smaller, so compare the token embedding (the first weight, drawn first)
    const wte = (d: string): Buffer => readFileSync(join(d, 'model.onnx.data')).subarray(0, BROWN_VOCAB_SIZE * 192 * 4);
    expect(wte(again.dir).equals(wte(dir))).toBe(true);
    const other = makeGpt({ params: '3M', out: join(tmp, 'seed1'), seed: 1, context: 32 });
    expect(wte(other.dir).equals(wte(dir))).toBe(false);
  });
});

describe('makeGpt errors', () => {
  it('names the sizes for an unknown one and writes nothing', () => {
    const out = join(tmp, 'bad-size');
    expectBadInput(() => makeGpt({ params: '40M', out }), /unknown GPT size '40M' \(sizes: 3M, 30M, 120M, 500M\)/);
    expect(existsSync(out)).toBe(false);
  });

  it('refuses another vocabulary and a context below 1', () => {
    expectBadInput(() => makeGpt({ params: '3M', vocab: 'gpt2', out: join(tmp, 'v') }), /unknown vocabulary 'gpt2' \(vocabularies: brown\)/);
    expectBadInput(() => makeGpt({ params: '3M', context: 0, out: join(tmp, 'c') }), /context must be a whole number >= 1/);
  });

  it('refuses a folder that is not empty unless forced, and a file', () => {
    const out = join(tmp, 'busy');
    mkdirSync(out);
    writeFileSync(join(out, 'notes.txt'), 'mine');
    expectBadInput(() => makeGpt({ params: '3M', out }), /is not empty/);
    expect(readdirSync(out)).toEqual(['notes.txt']);
    makeGpt({ params: '3M', out, force: true, context: 8 });
    expect(readdirSync(out).sort()).toEqual(['model.onnx', 'model.onnx.data', 'notes.txt', 'tokenizer.json']);
    writeFileSync(join(tmp, 'a-file'), '');
    expectBadInput(() => makeGpt({ params: '3M', out: join(tmp, 'a-file') }), /is not a folder/);
  });
});
