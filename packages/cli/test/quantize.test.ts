/**
 * `gradloc quantize` on a one-step brown-gpt (the real architecture and tokenizer) and on the
 * shipped shapes-grounder: one JSON line with the keys, a model stock onnxruntime
 * runs (scored by `gradloc eval-ppl`), and one-line errors that write nothing.
 */
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { modelDir } from '@gradloc/models';
import { expectOneLineError, gradloc, listFiles, tempDir } from './helpers.js';

let dir: string;
const KEYS = ['bits_per_weight', 'size_bytes', 'outlier_fraction', 'calib_ms', 'quant_ms'];

beforeAll(() => {
  dir = tempDir();
  expect(gradloc(['train', 'brown-gpt', '--out', dir, '--steps', '1', '--eval-samples', '2', '--threads', '2']).code).toBe(0);
}, 60_000);

const json = (stdout: string): Record<string, number> => {
  const lines = stdout.split('\n').filter(Boolean);
  expect(lines).toHaveLength(1);
  return JSON.parse(lines[0]) as Record<string, number>;
};

const ppl = (model: string): number => json(gradloc(['eval-ppl', '--model', model, '--data', 'brown:test', '--max-windows', '4', '--threads', '2'], dir).stdout).ppl;

describe('gradloc quantize', () => {
  // brown-gpt's matrices (4 blocks and the tied head)
  const SHAPES = [...Array.from({ length: 4 }, () => [[192, 576], [192, 192], [192, 768], [768, 192]]).flat(), [192, 10000]];
  const WEIGHTS = SHAPES.reduce((n, [K, N]) => n + K * N, 0);
  /** Outlier weights when a fraction f of each matrix's input channels (whole rows) is kept. */
  const channelOutliers = (f: number): number => SHAPES.reduce((n, [K, N]) => n + Math.round(f * K) * N, 0);

  it.each([
    ['channel', ['--outlier-unit', 'channel']],
    ['channel', []],
    ['weight', ['--outlier-unit', 'weight']],
  ] as const)('gwq 4-bit, outliers as %s (%j): the JSON line, the file it names, one percent outliers, and a model eval-ppl scores like the original', (unit, flags) => {
    const out4 = `gwq4-${unit}-${flags.length}.onnx`;
    const r = gradloc(['quantize', '--model', 'model.onnx', '--method', 'gwq', '--bits', '4', '--group', '64', '--outliers', '1', '--calib', 'brown:train:2', '--format', 'packed', ...flags, '--out', out4, '--threads', '2'], dir);
    expect(r.stderr).not.toMatch(/Error|at /);
    expect(r.code).toBe(0);
    const out = json(r.stdout);
    for (const k of KEYS) expect(out).toHaveProperty(k);
    expect(out.format).toBe('nbits');
    expect(out.size_bytes).toBe(statSync(join(dir, out4)).size);
    expect(out.calib_ms).toBeGreaterThan(0);
    // the token and position embedding tables too, by default
    expect(out.embeddings).toBe(2);
    // brown-gpt's matrices in MatMulNBits: 4-bit codes, per column and group of 64 a float32
    // scale, 4-bit zero points packed two per byte (a column's last byte may be half empty);
    // outliers: whole rows (round(1% of K) rows of N 16-bit values and a 16-bit row index each),
    // or single weights (round(1% of K N) at a 16-bit value and two 16-bit indices)
    let dense = 0;
    let outlierBits = 0;
    let values = 0;
    for (const [K, N] of SHAPES) {
      const groups = K / 64;
      dense += 4 * K * N + N * groups * 32 + N * Math.ceil(groups / 2) * 8;
      outlierBits += unit === 'channel' ? Math.round(0.01 * K) * (N * 16 + 16) : Math.round(0.01 * K * N) * 48;
      values += unit === 'channel' ? Math.round(0.01 * K) * N : Math.round(0.01 * K * N);
    }
    if (unit === 'channel') expect(out.bits_per_weight).toBeCloseTo((dense + outlierBits) / WEIGHTS, 9);
    else {
      // single weights: a row crowded with outliers is stored whole when that is smaller, so
      // the 48 bits each are an upper bound and their 16-bit values a lower one
      expect(out.bits_per_weight).toBeLessThanOrEqual((dense + outlierBits) / WEIGHTS + 1e-12);
      expect(out.bits_per_weight).toBeGreaterThan((dense + values * 16) / WEIGHTS);
    }
    expect(out.outlier_fraction).toBeCloseTo(unit === 'channel' ? channelOutliers(0.01) / WEIGHTS : 0.01, 4);
    const [fp, q] = [ppl('model.onnx'), ppl(out4)];
    expect(Math.abs(q / fp - 1)).toBeLessThan(0.05);
  });

  it('rtn keeps no outliers and needs no calibration; 8 bits changes perplexity by < 0.5%', () => {
    const out = json(gradloc(['quantize', '--model', 'model.onnx', '--method', 'rtn', '--bits', '8', '--group', '64', '--out', 'rtn8.onnx', '--threads', '2'], dir).stdout);
    expect(out.outlier_fraction).toBe(0);
    expect(out.calib_ms).toBe(0);
    expect(Math.abs(ppl('rtn8.onnx') / ppl('model.onnx') - 1)).toBeLessThan(0.005);
  });

  it('defaults: group 64 on brown-gpt, matrices in the int8 form (a byte a weight and a float32 scale a column), scoring like the packed form', () => {
    const run = (extra: string[], out: string) => json(gradloc(['quantize', '--model', 'model.onnx', '--method', 'rtn', ...extra, '--out', out, '--threads', '2'], dir).stdout);
    const int8 = run([], join('new', 'sub', 'int8.onnx'));
    const packed = run(['--format', 'packed'], 'packed4.onnx');
    expect([int8.format, packed.format]).toEqual(['int8', 'nbits']);
    expect(int8.group).toBe(64);
    expect(int8.embeddings).toBe(2);
    expect(int8.bits_per_weight).toBeCloseTo(SHAPES.reduce((n, [K, N]) => n + 8 * K * N + 32 * N, 0) / WEIGHTS, 9);
    expect(int8.size_bytes).toBe(statSync(join(dir, 'new', 'sub', 'int8.onnx')).size);
    expect(int8.size_bytes).toBeGreaterThan(packed.size_bytes);
    expect(Math.abs(ppl(join('new', 'sub', 'int8.onnx')) / ppl('packed4.onnx') - 1)).toBeLessThan(0.01);
  });

  it('3 bits go through standard-op unpacking; --outliers takes "0.5%"', () => {
    const out = json(gradloc(['quantize', '--model', 'model.onnx', '--method', 'magnitude', '--bits', '3', '--group', '32', '--outliers', '0.5%', '--out', 'mag3.onnx', '--threads', '2'], dir).stdout);
    expect(out.outlier_fraction).toBeCloseTo(channelOutliers(0.005) / WEIGHTS, 6);
    expect(Number.isFinite(ppl('mag3.onnx'))).toBe(true);
  });

  it('quantizes the shipped grounder with shapes calibration (distillation)', () => {
    const g = modelDir('shapes-grounder');
    const r = gradloc(['quantize', '--model', join(g, 'model.onnx'), '--method', 'gwq', '--group', '64', '--calib', 'shapes:train:2', '--out', join(dir, 'grounder4.onnx'), '--threads', '2']);
    expect(r.code).toBe(0);
    // whole input channels: round(1% of K) rows, so 1 of the 64- and 128-wide matrices' rows (1.6%, 0.8%)
    const f = json(r.stdout).outlier_fraction;
    expect(f).toBeGreaterThan(0.0078);
    expect(f).toBeLessThan(0.0157);
    expect(existsSync(join(dir, 'grounder4.onnx'))).toBe(true);
  });

  it.each([
    ['an unknown method', 'BAD_INPUT', ['--method', 'awq']],
    ['5 bits', 'BAD_INPUT', ['--bits', '5']],
    ['a group that is not a power of two', 'BAD_INPUT', ['--group', '48']],
    ['outliers of 100%', 'BAD_INPUT', ['--outliers', '100']],
    ['a calibration spec of another corpus', 'BAD_INPUT', ['--calib', 'wiki:train:4']],
    ['200 calibration samples', 'BAD_INPUT', ['--calib', 'brown:train:200']],
    ['grounder calibration on a language model', 'BAD_MODEL', ['--calib', 'shapes:train:2']],
    ['3 bits forced into MatMulNBits', 'BAD_INPUT', ['--bits', '3', '--format', 'nbits', '--method', 'rtn']],
  ])('%s -> %s in one line, nothing written', (_what, code, args) => {
    const out = tempDir();
    const calib = args.includes('--calib') ? [] : ['--calib', 'brown:train:2'];
    const r = gradloc(['quantize', '--model', join(dir, 'model.onnx'), ...calib, ...args, '--out', join(out, 'q.onnx')]);
    expectOneLineError(r, code);
    expect(listFiles(out)).toEqual([]);
  });

  it('needs --out', () => {
    expect(gradloc(['quantize', '--model', 'model.onnx'], dir).stderr).toMatch(/--out/);
  });
});
