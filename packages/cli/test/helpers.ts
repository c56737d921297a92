/**
 * Test helpers: run the built CLI as a child process (what users run), and write small
 * models and .npy files to temp dirs.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { expect } from 'vitest';
import { Graph, GraphBuilder, saveModel, tensor, tensorToProto, writeNpy, type DType, type Tensor } from '@gradloc/tensor-backend';

export const BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'bin.js');

export interface CliRun {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Runs the built CLI; `env` adds variables to (or, when undefined, removes them from) this process's environment. */
export function gradloc(args: readonly string[], cwd?: string, env: Readonly<Record<string, string | undefined>> = {}): CliRun {
  const r = spawnSync(process.execPath, [BIN, ...args], { cwd, encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** A failed run in the CLI's error style: exit 1, nothing on stdout, one stderr line `gradloc: CODE: ...`, no stack. */
export function expectOneLineError(r: CliRun, code: string): void {
  expect(r.code).toBe(1);
  expect(r.stdout).toBe('');
  const lines = r.stderr.split('\n').filter((l) => l !== '');
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(new RegExp(`^gradloc: ${code}: \\S`));
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

export const tempDir = (): string => mkdtempSync(join(tmpdir(), 'gradloc-cli-test-'));

/** Every file under dir, relative and sorted ('' when dir does not exist). */
export function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d)) {
      const p = join(d, e);
      if (statSync(p).isDirectory()) walk(p);
      else out.push(relative(dir, p));
    }
  };
  try {
    walk(dir);
  } catch {
    return [];
  }
  return out.sort();
}

/** Deterministic values in [-1, 1) away from 0 (no ReLU kinks at the finite-difference step). */
export function values(n: number, seed: number): number[] {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const v = Math.sin(seed * 12.9898 + i * 78.233) * 0.9;
    out.push(Math.abs(v) < 0.05 ? v + 0.1 : v);
  }
  return out;
}

export function npy(dir: string, name: string, t: Tensor): string {
  const p = join(dir, name);
  writeNpy(p, t);
  return p;
}

/** Names in the MLP, spelled the way torch.onnx exports spell them. */
export const MLP = {
  input: 'x',
  w1: 'onnx::MatMul_7',
  b1: 'fc1.bias',
  pre: '/fc1/Add_output_0',
  act: '/act/Relu_output_0',
  w2: 'head.weight',
  logits: 'logits',
  loss: 'loss',
} as const;

/**
 * x[2,4] -> MatMul(W1[4,5]) + b1 -> Relu -> MatMul(W2[5,3]) = logits[2,3];
 * loss = ReduceSum(logits * logits) (a scalar).
 */
export function buildMlp(dir: string, dtype: DType = 'float32'): string {
  const g = Graph.create(17);
  const b = new GraphBuilder(g);
  b.input(MLP.input, dtype, [2, 4]);
  const init = (name: string, dims: number[], seed: number): void => {
    b.reserve(name);
    g.initializers.set(name, tensorToProto(name, tensor(dtype, dims, values(dims.reduce((a, c) => a * c, 1), seed))));
  };
  init(MLP.w1, [4, 5], 1);
  init(MLP.b1, [5], 2);
  init(MLP.w2, [5, 3], 3);
  const mm = b.op('MatMul', [MLP.input, MLP.w1], {}, { outputs: ['/fc1/MatMul_output_0'] });
  b.op('Add', [mm, MLP.b1], {}, { outputs: [MLP.pre] });
  b.op('Relu', [MLP.pre], {}, { outputs: [MLP.act] });
  b.op('MatMul', [MLP.act, MLP.w2], {}, { outputs: [MLP.logits] });
  const sq = b.op('Mul', [MLP.logits, MLP.logits]);
  b.op('ReduceSum', [sq], { keepdims: 0 }, { outputs: [MLP.loss] });
  b.output(MLP.logits, dtype, [2, 3]);
  b.output(MLP.loss, dtype, []);
  const path = join(dir, `mlp-${dtype}.onnx`);
  saveModel(path, g.toModel());
  return path;
}

/** y = Det(x): an op with no gradient rule. */
export function buildDet(dir: string): string {
  const g = Graph.create(17);
  const b = new GraphBuilder(g);
  b.input('x', 'float32', [3, 3]);
  b.op('Det', ['x'], {}, { outputs: ['y'] });
  b.output('y', 'float32', []);
  const path = join(dir, 'det.onnx');
  saveModel(path, g.toModel());
  return path;
}

/** y = a/b * a:b - two names with the same safe file name `a_b`. */
export function buildCollide(dir: string): string {
  const g = Graph.create(17);
  const b = new GraphBuilder(g);
  b.input('a/b', 'float32', [2]);
  b.input('a:b', 'float32', [2]);
  b.op('Mul', ['a/b', 'a:b'], {}, { outputs: ['y'] });
  b.output('y', 'float32', [2]);
  const path = join(dir, 'collide.onnx');
  saveModel(path, g.toModel());
  return path;
}
