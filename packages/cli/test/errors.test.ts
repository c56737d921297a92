/**
 * Every kind of bad input: exit code 1, exactly one line on stderr (`gradloc: CODE: ...`),
 * no stack trace, and nothing written - not the output dir, not a temp dir beside it.
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { tensor } from '@gradloc/tensor-backend';
import { buildCollide, buildDet, buildMlp, expectOneLineError, gradloc, npy, tempDir, values } from './helpers.js';

let dir: string;
let mlp: string;

beforeAll(() => {
  dir = tempDir();
  mlp = buildMlp(dir);
  buildDet(dir);
  buildCollide(dir);
  npy(dir, 'x.npy', tensor('float32', [2, 4], values(8, 7)));
  npy(dir, 'x34.npy', tensor('float32', [3, 4], values(12, 7)));
  npy(dir, 'xint.npy', tensor('int64', [2, 4], [1, 2, 3, 4, 5, 6, 7, 8]));
  npy(dir, 'x33.npy', tensor('float32', [3, 3], values(9, 7)));
  npy(dir, 'two.npy', tensor('float32', [2], [1, 2]));
});

const ok = ['--model', 'mlp-float32.onnx', '--feed', 'x=x.npy', '--out', 'out'];

const cases: [string, string, string[]][] = [
  ['missing model file', 'FILE_NOT_FOUND', ['grad', '--model', 'nope.onnx', '--feed', 'x=x.npy', '--of', 'loss', '--wrt', 'x', '--out', 'out']],
  ['missing feed file', 'FILE_NOT_FOUND', ['grad', '--model', 'mlp-float32.onnx', '--feed', 'x=nope.npy', '--of', 'loss', '--wrt', 'x', '--out', 'out']],
  ['wrong feed shape', 'SHAPE_MISMATCH', ['grad', '--model', 'mlp-float32.onnx', '--feed', 'x=x34.npy', '--of', 'loss', '--wrt', 'x', '--out', 'out']],
  ['wrong feed dtype', 'DTYPE_MISMATCH', ['grad', '--model', 'mlp-float32.onnx', '--feed', 'x=xint.npy', '--of', 'loss', '--wrt', 'x', '--out', 'out']],
  ['feed for no input', 'UNKNOWN_TENSOR', ['grad', '--model', 'mlp-float32.onnx', '--feed', 'y=x.npy', '--of', 'loss', '--wrt', 'x', '--out', 'out']],
  ['missing feed', 'BAD_INPUT', ['grad', '--model', 'mlp-float32.onnx', '--of', 'loss', '--wrt', 'x', '--out', 'out']],
  ['unknown --wrt tensor', 'UNKNOWN_TENSOR', ['grad', ...ok, '--of', 'loss', '--wrt', 'x,/fc9/Relu_output_0']],
  ['unknown --of tensor', 'UNKNOWN_TENSOR', ['grad', ...ok, '--of', 'logitz[0,1]', '--wrt', 'x']],
  ['op without a gradient rule', 'UNSUPPORTED_OP', ['grad', '--model', 'det.onnx', '--feed', 'x=x33.npy', '--of', 'y', '--wrt', 'x', '--out', 'out']],
  ['bad --of syntax (letter index)', 'BAD_INPUT', ['grad', ...ok, '--of', 'logits[0,a]', '--wrt', 'x']],
  ['bad --of syntax (unclosed)', 'BAD_INPUT', ['grad', ...ok, '--of', 'logits[0', '--wrt', 'x']],
  ['--of index out of range', 'BAD_INPUT', ['grad', ...ok, '--of', 'logits[2,0]', '--wrt', 'x']],
  ['--of a non-scalar without index or seed', 'BAD_INPUT', ['grad', ...ok, '--of', 'logits', '--wrt', 'x']],
  ['--seed of the wrong shape', 'SHAPE_MISMATCH', ['grad', ...ok, '--of', 'logits', '--seed', 'two.npy', '--wrt', 'x']],
  ['--seed with an element index', 'BAD_INPUT', ['grad', ...ok, '--of', 'logits[0,0]', '--seed', 'two.npy', '--wrt', 'x']],
  [
    'colliding safe names',
    'BAD_INPUT',
    ['grad', '--model', 'collide.onnx', '--feed', 'a/b=two.npy', '--feed', 'a:b=two.npy', '--of', 'y', '--seed', 'two.npy', '--wrt', 'a/b,a:b', '--out', 'out'],
  ],
  ['missing required flag', 'BAD_INPUT', ['grad', ...ok, '--of', 'loss']],
  ['unknown flag', 'BAD_INPUT', ['grad', ...ok, '--of', 'loss', '--wrt', 'x', '--frobnicate']],
  ['flag without a value', 'BAD_INPUT', ['grad', ...ok, '--wrt', 'x', '--of']],
  ['single flag given twice', 'BAD_INPUT', ['grad', ...ok, '--of', 'loss', '--of', 'loss', '--wrt', 'x']],
  ['bad --bench', 'BAD_INPUT', ['grad', ...ok, '--of', 'loss', '--wrt', 'x', '--bench', 'many']],
  ['bad --ep', 'BAD_INPUT', ['grad', ...ok, '--of', 'loss', '--wrt', 'x', '--ep', 'tpu']],
  ['--out is a file', 'BAD_INPUT', ['grad', '--model', 'mlp-float32.onnx', '--feed', 'x=x.npy', '--of', 'loss', '--wrt', 'x', '--out', 'x.npy']],
  ['unknown command', 'BAD_INPUT', ['gradient']],
  ['no command', 'BAD_INPUT', []],
];

describe('gradloc errors', () => {
  it.each(cases)('%s -> %s, one line, nothing written', (_what, code, args) => {
    const before = readdirSync(dir).sort();
    const r = gradloc(args, dir);
    expectOneLineError(r, code);
    expect(existsSync(join(dir, 'out'))).toBe(false);
    expect(readdirSync(dir).sort()).toEqual(before);
  });

  it('the model path in the message is the one given', () => {
    expect(gradloc(['grad', '--model', 'nope.onnx', '--feed', 'x=x.npy', '--of', 'loss', '--wrt', 'x', '--out', 'out'], dir).stderr).toContain('nope.onnx');
    void mlp;
  });
});
