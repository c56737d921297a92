/** brown-gpt: a few-step training run whose card metrics evaluateModel recomputes exactly. */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { OnnxModel } from '@gradloc/tensor-backend';
import { evaluateModel, readCard } from '@gradloc/models';
import { describe, expect, it } from 'vitest';
import '../src/models/brown-gpt.js';
import type { BrownGptCard } from '../src/models/brown-gpt/config.js';
import { zooModel } from '../src/zoo/index.js';

describe('brown-gpt', () => {
  it('a few steps ship model.onnx + card.json, and evaluateModel recomputes the card exactly', async () => {
    const outDir = mkdtempSync(join(tmpdir(), 'brown-gpt-test-'));
    const entry = zooModel('brown-gpt');
    const report = await entry.train({ outDir, steps: 2, evalSamples: 6, threads: 2 });
    expect(existsSync(join(outDir, 'model.onnx'))).toBe(true);
    const card = readCard(outDir) as BrownGptCard;
    expect(card.parameters).toBeGreaterThan(3_000_000);
    expect(card.metrics).toEqual(report.metrics);
    expect(card.training.command).toBe('npx gradloc train brown-gpt --steps 2 --eval-samples 6');
    expect(card.evaluation.windows).toEqual({ validation: 6, test: 6 });
    expect(card.evaluation.notes).toMatch(/SUBSET/);
    for (const v of Object.values(card.metrics)) expect(Number.isFinite(v) && v > 1).toBe(true);
    expect(await evaluateModel(outDir, { threads: 2 })).toEqual(card.metrics);

    const model = OnnxModel.load(join(outDir, 'model.onnx'));
    expect(model.inputNames).toEqual(['input_ids']);
    expect(model.outputNames).toEqual(['logits']);
    await model.release();
  });
});
