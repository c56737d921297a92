/**
 * `gradloc sgtm`: a few-step SGTM model trained through the CLI; `sgtm eval` prints exactly the
 * losses its card records (full, ablated, ablated + calibrated: one code path); bad input fails
 * in one line and writes nothing.
 */
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildGPT, saveModel } from '@gradloc/tensor-backend';
import { buildMlp, expectOneLineError, gradloc, tempDir } from './helpers.js';

let dir: string;
let model: string;
let none: string;
let card: { metrics: Record<string, number>; training: { command: string }; sgtm: { removal: Record<string, Record<string, number>> } };
const W = ['--max-windows', '3'];

beforeAll(() => {
  dir = tempDir();
  model = join(dir, 'tiny-sgtm');
  const r = gradloc(['sgtm', 'train', '--method', 'sgtm', '--undiscovered', '10', '--steps', '4', '--out', model, ...W, '--threads', '2']);
  expect(r.stderr).toMatch(/sgtm: trained in/);
  expect(r.code).toBe(0);
  card = JSON.parse(readFileSync(join(model, 'card.json'), 'utf8')) as typeof card;
  expect(JSON.parse(r.stdout)).toEqual(card.metrics);
  expect(Object.keys(card.metrics)).toEqual(['retain_loss', 'forget_loss']);
  none = join(dir, 'tiny-none');
  expect(gradloc(['sgtm', 'train', '--method', 'none', '--undiscovered', '0', '--steps', '4', '--out', none, ...W, '--threads', '2']).code).toBe(0);
  buildMlp(dir);
  saveModel(join(dir, 'plain-gpt.onnx'), buildGPT({ vocab: 50, context: 8, dim: 8, depth: 1, heads: 2, seed: 1 }).toModel());
}, 180_000);

describe('gradloc sgtm', () => {
  it.each([
    [[], 'metrics'],
    [['--ablate'], 'ablated'],
    [['--ablate', '--calibrate'], 'calibrated'],
  ])('eval %j prints the card\'s %s losses as one JSON line', (flags, which) => {
    const r = gradloc(['sgtm', 'eval', '--model', model, ...flags, ...W, '--threads', '2']);
    expect(r.code).toBe(0);
    const lines = r.stdout.split('\n').filter(Boolean);
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0])).toEqual(which === 'metrics' ? card.metrics : card.sgtm.removal[which]);
    expect(r.stderr).toMatch(/English and \d+ cipher test tokens/);
  });

  it('zoo eval recomputes the card metrics through @gradloc/models (kind bilingual-lm)', () => {
    const r = gradloc(['zoo', 'eval', model, '--threads', '2']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n').pop()!)).toEqual(card.metrics);
  });

  it.each([[[]], [['--rmu']]])('finetune-recovery %j starts from the removed model and aims at the baseline, as eval scores them', (extra) => {
    const r = gradloc(['sgtm', 'finetune-recovery', '--model', extra.length ? none : model, '--baseline', none, '--steps', '6', '--eval-every', '3', ...extra, '--threads', '2']);
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout) as { steps_to_recover: number | null; removal: string; baseline_forget_loss: number; start_forget_loss: number };
    expect(out.removal).toBe(extra.length ? 'rmu' : 'ablation');
    // both losses on the same 128 test windows `sgtm eval --max-windows 128` scores
    const base = JSON.parse(gradloc(['sgtm', 'eval', '--model', none, '--max-windows', '128', '--threads', '2']).stdout) as { forget_loss: number };
    expect(out.baseline_forget_loss).toBe(base.forget_loss);
    if (!extra.length) {
      const ablated = JSON.parse(gradloc(['sgtm', 'eval', '--model', model, '--ablate', '--max-windows', '128', '--threads', '2']).stdout) as { forget_loss: number };
      expect(out.start_forget_loss).toBe(ablated.forget_loss);
    }
    expect(out.steps_to_recover === null || [0, 3, 6].includes(out.steps_to_recover)).toBe(true);
    expect(r.stderr).toMatch(/target: tiny-none's forget loss/);
  }, 120_000);

  it('the card says how to reproduce the run and which parameters are forget', () => {
    expect(card.training.command).toBe(`npx gradloc sgtm train --method sgtm --undiscovered 10 --steps 4 --out ${model} --max-windows 3 --threads 2`);
    expect(readFileSync(join(model, 'card.json'), 'utf8')).toMatch(/last 48 MLP units and last 1 head\(s\) of layers 0,1,2,3/);
  });

  it.each([
    ['an unknown model', 'MODEL_NOT_FOUND', ['eval', '--model', 'no-such-model']],
    ['a model that is not GPT-shaped', 'BAD_MODEL', ['eval', '--model', 'mlp-float32.onnx']],
    ['a GPT without its tokenizer', 'FILE_NOT_FOUND', ['eval', '--model', 'plain-gpt.onnx']],
    ['an unknown method', 'BAD_INPUT', ['train', '--method', 'bogus', '--undiscovered', '10', '--out', 'out']],
    ['an undiscovered rate above 100', 'BAD_INPUT', ['train', '--method', 'sgtm', '--undiscovered', '150', '--out', 'out']],
    ['a negative undiscovered rate', 'BAD_INPUT', ['train', '--method', 'sgtm', '--undiscovered', '-1', '--out', 'out']],
    ['more forget units than the layer has', 'BAD_INPUT', ['train', '--method', 'sgtm', '--undiscovered', '10', '--forget-units', '512', '--out', 'out']],
    ['more forget heads than the layer has', 'BAD_INPUT', ['train', '--method', 'sgtm', '--undiscovered', '10', '--forget-heads', '8', '--out', 'out']],
    ['an unknown subcommand', 'BAD_INPUT', ['forget']],
  ])('%s: one-line %s, nothing written', (_, code, args) => {
    const before = readdirSync(dir).sort();
    const r = gradloc(['sgtm', ...args], dir);
    expectOneLineError(r, code);
    expect(readdirSync(dir).sort()).toEqual(before);
    expect(existsSync(join(dir, 'out'))).toBe(false);
  });

  it('names what is not GPT-shaped', () => {
    expect(gradloc(['sgtm', 'eval', '--model', 'mlp-float32.onnx'], dir).stderr).toMatch(/not a GPT-shaped model: no initializer named '<prefix>h\.<i>\.mlp\.c_fc\.weight'/);
    expect(gradloc(['sgtm', 'train', '--method', 'sgtm', '--undiscovered', '10', '--forget-units', '512', '--out', 'out'], dir).stderr).toMatch(
      /forget units must be an integer in \[1, 511\] \(the layer has 512\), got 512/,
    );
  });
});
