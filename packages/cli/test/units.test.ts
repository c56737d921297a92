/** The CLI's pure parts, in-process: safe names, atomic writes, feed specs, --of and --wrt parsing. */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { OnnxModel, tensor, toNumbers } from '@gradloc/tensor-backend';
import { conform, formatError, main, parseFeedSpec, parseOf, resolveWrt, safeName, safeNames, tensorNames, writeOutputs } from '../src/index.js';
import { MLP, buildMlp, listFiles, tempDir } from './helpers.js';

const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);

describe('safe names', () => {
  it('keeps [A-Za-z0-9._-] and replaces everything else with _', () => {
    expect(safeName('onnx::MatMul_123')).toBe('onnx__MatMul_123');
    expect(safeName('/layer1/conv/Conv_output_0')).toBe('_layer1_conv_Conv_output_0');
    expect(safeName('blocks.0.attn.c_attn.weight')).toBe('blocks.0.attn.c_attn.weight');
    expect(safeName('a b[0]é')).toBe('a_b_0__');
  });
  it('rejects two names that land in one file, also when they differ only in case', () => {
    expect(() => safeNames(['a/b', 'a:b'])).toThrow(/'a\/b' and 'a:b'.*a_b\.npy/);
    expect(() => safeNames(['W', 'w'])).toThrow(/BAD_INPUT|both/);
    expect([...safeNames(['x', 'x', 'y']).values()]).toEqual(['x', 'y']);
  });
});

describe('writeOutputs', () => {
  it('creates a new dir whole and leaves no temp dir', () => {
    const root = tempDir();
    writeOutputs(join(root, 'out'), [
      { path: 'a.npy', bytes: bytes('A') },
      { path: 'values/a.npy', bytes: bytes('v') },
    ]);
    expect(listFiles(root)).toEqual(['out/a.npy', 'out/values/a.npy']);
  });
  it('writes nothing when any destination is blocked (values is a file)', () => {
    const root = tempDir();
    const out = join(root, 'out');
    mkdirSync(out);
    writeFileSync(join(out, 'a.npy'), 'old');
    writeFileSync(join(out, 'values'), 'a file in the way');
    expect(() =>
      writeOutputs(out, [
        { path: 'a.npy', bytes: bytes('new') },
        { path: 'values/a.npy', bytes: bytes('v') },
      ]),
    ).toThrow(/values is a file/);
    expect(readFileSync(join(out, 'a.npy'), 'utf8')).toBe('old');
    expect(listFiles(root)).toEqual(['out/a.npy', 'out/values']);
  });
});

describe('feeds', () => {
  it('splits NAME=PATH at the longest input name, else at the first =', () => {
    expect(parseFeedSpec('x=a=b.npy', ['x'])).toEqual({ name: 'x', path: 'a=b.npy' });
    expect(parseFeedSpec('k=v=data.npy', ['k', 'k=v'])).toEqual({ name: 'k=v', path: 'data.npy' });
    expect(parseFeedSpec('onnx::in=/tmp/x.npy', [])).toEqual({ name: 'onnx::in', path: '/tmp/x.npy' });
    expect(() => parseFeedSpec('x.npy', ['x'])).toThrow(/NAME=FILE/);
    expect(() => parseFeedSpec('x=', ['x'])).toThrow(/NAME=FILE/);
  });
  it('converts float64 -> float32 and int32 -> int64, refuses the rest', () => {
    expect(conform(tensor('float64', [2], [0.5, -1]), 'float32', 'f').dtype).toBe('float32');
    const i = conform(tensor('int32', [2], [3, -4]), 'int64', 'i');
    expect(i.dtype).toBe('int64');
    expect(toNumbers(i)).toEqual([3, -4]);
    expect(() => conform(tensor('int64', [1], [1]), 'float32', 'feed x')).toThrow(/feed x is int64, the model expects float32/);
    expect(() => conform(tensor('float32', [1], [1]), 'int64', 'feed x')).toThrow(/DTYPE_MISMATCH|expects/);
  });
});

describe('--of and --wrt names', () => {
  const model = OnnxModel.load(buildMlp(tempDir()));
  const known = tensorNames(model);

  it('parses NAME and NAME[i,...] and refuses malformed indices', () => {
    expect(parseOf('logits[0, -1]', known)).toEqual({ output: 'logits', index: [0, -1] });
    expect(parseOf('loss', known)).toEqual({ output: 'loss' });
    expect(parseOf(MLP.act, known)).toEqual({ output: MLP.act });
    for (const bad of ['logits[]', 'logits[0,]', 'logits[1.5]', 'logits]', '']) expect(() => parseOf(bad, known)).toThrow(/--of/);
    expect(() => parseOf('nope[0]', known)).toThrow(/UNKNOWN_TENSOR|no tensor/);
  });

  it('splits --wrt on commas only, never on : / .', () => {
    expect(resolveWrt(model, [`${MLP.w1},${MLP.act}`, 'fc1.bias'], known)).toEqual([MLP.w1, MLP.act, MLP.b1]);
    expect(resolveWrt(model, ['x, head.weight', 'x'], known)).toEqual(['x', MLP.w2]);
    expect(resolveWrt(model, ['@initializers'], known)).toEqual([MLP.w1, MLP.b1, MLP.w2]);
    expect(() => resolveWrt(model, ['onnx::MatMul'], known)).toThrow(/--wrt 'onnx::MatMul'/);
  });
});

describe('main', () => {
  it('prints usage on --help and one error line otherwise', async () => {
    const out: string[] = [];
    const err: string[] = [];
    const io = { out: (l: string) => out.push(l), err: (l: string) => err.push(l) };
    expect(await main(['--help'], io)).toBe(0);
    expect(out.join('\n')).toMatch(/grad .*\n.*demo/s);
    expect(await main(['grad', '--nope'], io)).toBe(1);
    expect(err).toEqual(['gradloc: BAD_INPUT: unknown flag --nope (see: gradloc grad --help)']);
  });
  it('folds multi-line messages of unexpected errors into one line', () => {
    expect(formatError(new Error('a\n  b'))).toMatch(/^gradloc: INTERNAL: a b \(/);
  });
});
