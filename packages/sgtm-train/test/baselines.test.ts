import { describe, expect, it } from 'vitest';
import { Graph, OnnxModel, tensorFromProto } from '@gradloc/tensor-backend';
import { ablate, applyRmu, domainLosses, fineTuneRecovery, gptLayout, splitParameters, stackRows, trainSgtm, windowSampler } from '../src/index.js';
import { syntheticStreams, tinyModel, TINY } from './helpers.js';

const streams = syntheticStreams(4000, 1);
const test = syntheticStreams(1200, 99);

/** Mean squared distance of block 0's output to `target(row)` over forget or retain windows. */
async function blockMse(g: Graph, rows: 'forget' | 'retain', target: (h: Float32Array, i: number) => number): Promise<number> {
  const probe = Graph.fromModel(g.toModel());
  probe.addOutput('h.0', 'float32', null);
  const m = OnnxModel.fromGraph(probe);
  const w = windowSampler(streams[rows], TINY.context, 5)(16);
  const h = (await m.run({ input_ids: w.inputIds }, ['h.0']))['h.0'].data as Float32Array;
  await m.release();
  let s = 0;
  for (let i = 0; i < h.length; i++) s += (h[i] - target(h, i)) ** 2;
  return s / h.length;
}

describe('baselines', () => {
  it('RMU pulls forget activations toward the control vector, keeps retain activations, and trains only the chosen MLPs', async () => {
    const trained = (await trainSgtm({ model: tinyModel(8), streams, method: 'none', undiscovered: 0, steps: 120, batch: 8, peakLr: 3e-3, warmupSteps: 10 })).model;
    const layout = gptLayout(trained);
    const after = await applyRmu(trained, streams, { layout, context: TINY.context, layer: 0, steer: 5, steps: 60 });
    const frozenProbe = Graph.fromModel(trained.toModel());
    frozenProbe.addOutput('h.0', 'float32', null);
    const frozen = OnnxModel.fromGraph(frozenProbe);
    const w = windowSampler(streams.retain, TINY.context, 5)(16);
    const kept = (await frozen.run({ input_ids: w.inputIds }, ['h.0']))['h.0'].data as Float32Array;
    await frozen.release();
    const retainDrift = await blockMse(after, 'retain', (_, i) => kept[i]);
    const forgetNormBefore = await blockMse(trained, 'forget', () => 0);
    const forgetNormAfter = await blockMse(after, 'forget', () => 0);
    // forget activations grow toward |c u|^2 / d = 25 / 32 per element; retain ones barely move
    expect(forgetNormAfter).toBeGreaterThan(forgetNormBefore);
    expect(retainDrift).toBeLessThan(0.1 * forgetNormAfter);
    const changed = [...trained.initializers.keys()].filter((k) => {
      const a = tensorFromProto(trained.initializers.get(k)!).data;
      const b = tensorFromProto(after.initializers.get(k)!).data;
      return a.some((v, i) => v !== b[i]);
    });
    expect(changed.sort()).toEqual(['h.0.mlp.c_fc.bias', 'h.0.mlp.c_fc.weight', 'h.0.mlp.c_proj.bias', 'h.0.mlp.c_proj.weight']);
    const losses = await domainLosses(after, test, { context: TINY.context });
    const base = await domainLosses(trained, test, { context: TINY.context });
    expect(losses.forget_loss - base.forget_loss).toBeGreaterThan(losses.retain_loss - base.retain_loss);
  });

  it('fine-tuning recovery counts the first evaluated step at or below the target', async () => {
    const split = { forgetUnits: 16, forgetHeads: 1 };
    const r = await trainSgtm({ model: tinyModel(6), streams, method: 'sgtm', undiscovered: 0, split, steps: 200, batch: 8, warmupSteps: 20, peakLr: 3e-3 });
    const full = await domainLosses(r.model, test, { context: TINY.context });
    const ablated = ablate(r.model, splitParameters(gptLayout(r.model), split).forget);
    const target = full.forget_loss + 0.5;
    const rec = await fineTuneRecovery(ablated, { train: streams, test, context: TINY.context, target, steps: 120, evalEvery: 10, evalWindows: 64, lr: 3e-3 });
    expect(rec.curve[0].step).toBe(0);
    expect(rec.curve[0].forget_loss).toBeGreaterThan(target);
    expect(rec.stepsToRecover).not.toBeNull();
    const first = rec.curve.find((p) => p.forget_loss <= target);
    expect(first?.step).toBe(rec.stepsToRecover);
    expect(rec.curve.at(-1)?.step).toBe(rec.stepsToRecover);
  });

  it('stackRows stacks windows row-wise', () => {
    const s = windowSampler(streams.retain, 4, 1);
    const [a, b] = [s(2), s(3)];
    const c = stackRows(a.inputIds, b.inputIds);
    expect(c.dims).toEqual([5, 4]);
    expect(Array.from(c.data.slice(8))).toEqual(Array.from(b.inputIds.data));
  });
});
