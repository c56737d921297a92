/** ofvl-rooms: a run killed mid-training continues from its checkpoint when rerun, and ships a card the evaluation recomputes. */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readCard } from '@gradloc/models';
import { dataOf, evaluateLocalizer, evaluationMetrics, Localizer } from '@gradloc/ofvl-localize';
import { describe, expect, it } from 'vitest';
import '../src/models/ofvl-rooms.js';
import { zooModel } from '../src/zoo/index.js';

describe('ofvl-rooms', () => {
  it('a killed run continues from its checkpoint; the card holds metrics the evaluation recomputes', async () => {
    const outDir = join(mkdtempSync(join(tmpdir(), 'ofvl-rooms-test-')), 'ofvl-rooms');
    const entry = zooModel('ofvl-rooms');
    const args = { outDir, steps: 3, evalSamples: 2, threads: 2 };
    await expect(
      entry.train({
        ...args,
        onProgress: () => {
          throw new Error('killed');
        },
      }),
    ).rejects.toThrow('killed');
    expect(existsSync(join(outDir, '.checkpoint'))).toBe(true);
    expect(existsSync(join(outDir, 'model.onnx'))).toBe(false);

    const log: string[] = [];
    const report = await entry.train({ ...args, onLog: (l) => log.push(l) });
    expect(log).toContain(`continuing from the checkpoint at step 3 (${join(outDir, '.checkpoint')})`);
    expect(existsSync(join(outDir, '.checkpoint'))).toBe(false);
    const card = readCard(outDir);
    expect(card.training.command).toBe('npx gradloc train ofvl-rooms --steps 3 --eval-samples 2');
    expect(card.metrics).toEqual(report.metrics);
    const localizer = Localizer.load(join(outDir, 'model.onnx'), { threads: 2 });
    expect(localizer.scenes).toEqual(['room-1', 'room-2', 'room-3', 'room-4']);
    expect(evaluationMetrics(await evaluateLocalizer(localizer, await dataOf(localizer), { maxFrames: 2 }))).toEqual(card.metrics);
    await localizer.release();
    // two runs each render the 1600 training frames: 40-60 s on 2 cores, past the default limit
  }, 600_000);
});
