// Smoke test of the installed @gradloc/cli (run plain and as a rolldown bundle by
// tools/pack-check): the `gradloc` bin as npm installed it (`npx gradloc --version`, `gradloc
// grad` on a tiny model written here), then the same through the package's `main` in-process
// (in the bundled run, that is the bundled CLI). y = sum(w * x * x), so dy/dx = 2 w x.
// Prints one JSON line; any mismatch throws (exit code 1).
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Graph, GraphBuilder, readNpy, saveModel, tensor, writeNpy } from '@gradloc/tensor-backend';
import { main } from '@gradloc/cli';

const X = [0.5, -1.5, 2, 3];
const Wv = [1, 2, -0.5, 0.25];
const want = X.map((v, i) => 2 * Wv[i] * v);

const dir = mkdtempSync(join(tmpdir(), 'gradloc-cli-smoke-'));
try {
  const g = Graph.create(17);
  const b = new GraphBuilder(g);
  const x = b.input('x', 'float32', [4]);
  b.op('ReduceSum', [b.op('Mul', [b.op('Mul', [x, x]), b.initializer(tensor('float32', [4], Wv), 'w')])], { keepdims: 0 }, { outputs: ['y'] });
  b.output('y', 'float32', []);
  saveModel(join(dir, 'model.onnx'), g.toModel());
  writeNpy(join(dir, 'x.npy'), tensor('float32', [4], X));
  const args = (out) => ['grad', '--model', join(dir, 'model.onnx'), '--feed', `x=${join(dir, 'x.npy')}`, '--of', 'y', '--wrt', 'x', '--out', join(dir, out)];
  const checkGrad = (what, out) => {
    const got = [...readNpy(join(dir, out, 'x.npy')).data];
    assert.equal(got.length, 4, `${what}: gradient size`);
    for (let i = 0; i < 4; i++) assert.ok(Math.abs(got[i] - want[i]) <= 1e-5, `${what}: dy/dx[${i}] = ${got[i]}, expected ${want[i]} (2 w x)`);
    return got;
  };
  const version = JSON.parse(readFileSync(createRequire(join(process.cwd(), 'package.json')).resolve('@gradloc/cli/package.json'), 'utf8')).version;

  // 1. the installed bin, as a user runs it
  const npx = (argv) => execFileSync('npx', ['--no', '--', 'gradloc', ...argv], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  assert.equal(npx(['--version']).trim(), version, '`npx gradloc --version`');
  npx(args('bin'));
  const grad = checkGrad('`gradloc grad` (bin)', 'bin');

  // 2. the package's main, in this process
  const lines = [];
  const errors = [];
  const io = { out: (l) => lines.push(l), err: (l) => errors.push(l), tty: false };
  assert.equal(await main(['--version'], io), 0, `main(['--version']) failed: ${errors.join('\n')}`);
  assert.equal(lines.pop(), version, "main(['--version'])");
  assert.equal(await main(args('main'), io), 0, `main(['grad', ...]) failed: ${errors.join('\n')}`);
  checkGrad("main(['grad', ...])", 'main');

  console.log(JSON.stringify({ version, grad }));
} finally {
  rmSync(dir, { recursive: true, force: true });
}
