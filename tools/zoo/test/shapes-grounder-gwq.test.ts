/**
 * shapes-grounder-gwq4: "training" quantizes the shipped grounder; the card states the
 * quantization and the FP32 model's metrics on the same scenes, and zoo eval reproduces it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { evaluateModel, readCard } from '@gradloc/models';
import { shapesGrounderGwq } from '../src/models/shapes-grounder-gwq.js';

describe('shapes-grounder-gwq4 recipe', () => {
  const dir = mkdtempSync(join(tmpdir(), 'grounder-gwq-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('quantizes the shipped grounder, keeps its AP on 30 scenes and writes a card evaluateModel reproduces', async () => {
    const report = await shapesGrounderGwq.train({ outDir: dir, evalSamples: 30, threads: 2 });
    const card = readCard(dir);
    expect(card.quantization).toMatchObject({ source: 'shapes-grounder', method: 'gwq', bits: 4, group: 64, outlier_unit: 'channel', quantized_embeddings: 1 });
    // round(1% of K) whole rows per matrix: 1 of 64 or 128, 5 of 512
    const f = card.quantization?.outlier_fraction as number;
    expect(f).toBeGreaterThan(0.0078);
    expect(f).toBeLessThan(0.0157);
    // 4-bit codes + fp32 scale + 4-bit zero per 64 + the outlier rows at 16 bits a value
    expect(card.quantization?.bits_per_weight).toBeCloseTo(4 + 36 / 64 + 16 * f, 1);
    expect(card.baseline?.model).toBe('shapes-grounder');
    expect(Math.abs(report.metrics.ap50 - card.baseline!.metrics.ap50)).toBeLessThan(0.05);
    expect(await evaluateModel(dir, { samples: 30, threads: 2 })).toEqual(card.metrics);
  }, 120_000);
});
