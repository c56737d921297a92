import { describe, expect, it } from 'vitest';
import { runLength, sliceRuns, tensorFromProto, type Graph, type ParamSlice } from '@gradloc/tensor-backend';
import { ablate, calibrate, domainLosses, gptLayout, splitParameters, trainSgtm } from '../src/index.js';
import { syntheticStreams, tinyModel, TINY } from './helpers.js';

/** Values of the elements of `slices`, in order. */
function sliceValues(g: Graph, slices: readonly ParamSlice[]): number[] {
  const out: number[] = [];
  for (const s of slices) {
    const t = tensorFromProto(g.initializers.get(s.param)!);
    const runs = sliceRuns(t.dims, s);
    for (let r = 0; r < runs.length; r += 2) for (let i = runs[r]; i < runs[r + 1]; i++) out.push(Number(t.data[i]));
  }
  return out;
}

const streams = syntheticStreams(4000, 1);
const split = { forgetUnits: 16, forgetHeads: 1 };

describe('SGTM training', () => {
  it('forget-only batches leave every retain parameter bit-identical; retain-only batches every forget parameter', async () => {
    const init = tinyModel(4);
    const s = splitParameters(gptLayout(init), split);
    const retainSlices = s.groups[1].slices;
    const onlyForget = await trainSgtm({ model: init, streams, method: 'sgtm', undiscovered: 0, forgetShare: 1, split, steps: 6, batch: 4 });
    expect(onlyForget.labels).toEqual({ forget: 6, retain: 0, default: 0 });
    expect(sliceValues(onlyForget.model, retainSlices)).toEqual(sliceValues(init, retainSlices));
    expect(sliceValues(onlyForget.model, s.forget)).not.toEqual(sliceValues(init, s.forget));
    const onlyRetain = await trainSgtm({ model: init, streams, method: 'sgtm', undiscovered: 0, forgetShare: 0, retainLabelled: 1, split, steps: 6, batch: 4 });
    expect(onlyRetain.labels).toEqual({ forget: 0, retain: 6, default: 0 });
    expect(sliceValues(onlyRetain.model, s.forget)).toEqual(sliceValues(init, s.forget));
    expect(sliceValues(onlyRetain.model, retainSlices)).not.toEqual(sliceValues(init, retainSlices));
  });

  it("with one shared AdamW ('step') weight decay moves the masked retain parameters", async () => {
    const init = tinyModel(4);
    const s = splitParameters(gptLayout(init), split);
    const r = await trainSgtm({ model: init, streams, method: 'sgtm', undiscovered: 0, forgetShare: 1, split, steps: 3, batch: 4, maskedGroups: 'step' });
    const before = sliceValues(init, s.groups[1].slices);
    const after = sliceValues(r.model, s.groups[1].slices);
    expect(after.filter((v, i) => v !== before[i]).length).toBeGreaterThan(runLength(sliceRuns([32, 128], { param: 'x', axis: 1, start: 0, end: 112 })) / 2);
  });

  it('data filtering skips exactly the batches labelled forget', async () => {
    const r = await trainSgtm({ model: tinyModel(), streams, method: 'filter', undiscovered: 0.5, split, steps: 40, batch: 4 });
    expect(r.steps).toBe(40);
    expect(r.updates).toBe(40 - r.labels.forget);
    expect(r.labels.forget).toBeGreaterThan(0);
  });

  it('rejects bad rates and methods in one line', async () => {
    await expect(trainSgtm({ model: tinyModel(), streams, method: 'sgtm', undiscovered: 1.5, split, steps: 1 })).rejects.toThrow(/undiscovered must be in \[0, 1\], got 1.5/);
    await expect(trainSgtm({ model: tinyModel(), streams, method: 'sgtm', undiscovered: 0, split: { forgetUnits: 999 }, steps: 1 })).rejects.toThrow(/forget units must be an integer/);
  });

  it('localizes: after SGTM and ablation the forget domain is lost and the retain domain kept (raw and calibrated)', async () => {
    const model = tinyModel(6);
    const r = await trainSgtm({ model, streams, method: 'sgtm', undiscovered: 0, split, steps: 250, batch: 8, warmupSteps: 20, peakLr: 3e-3 });
    const test = syntheticStreams(1200, 99);
    const opts = { context: TINY.context };
    const full = await domainLosses(r.model, test, opts);
    const s = splitParameters(gptLayout(r.model), split);
    const ablated = ablate(r.model, s.forget);
    const raw = await domainLosses(ablated, test, opts);
    const calibrated = await domainLosses(await calibrate(ablated, streams, { context: TINY.context, steps: 60 }), test, opts);
    // both domains learned (uniform over 24 ids would be ln 24 = 3.18)
    expect(full.retain_loss).toBeLessThan(1.0);
    expect(full.forget_loss).toBeLessThan(1.0);
    expect(calibrated.forget_loss - full.forget_loss).toBeGreaterThan(1.0);
    expect(calibrated.retain_loss - full.retain_loss).toBeLessThan(0.25);
    expect(raw.forget_loss - full.forget_loss).toBeGreaterThan(1.0);
    expect(raw.retain_loss - full.retain_loss).toBeLessThan(0.25);
  });
});
