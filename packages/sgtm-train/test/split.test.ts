import { describe, expect, it } from 'vitest';
import { buildGPT, GradlocError, OnnxModel, runLength, sliceRuns, tensor, type Graph } from '@gradloc/tensor-backend';
import { ablate, defaultForgetUnits, gptLayout, splitParameters, trainingGraph, withLogitBias } from '../src/index.js';
import { tinyModel, TINY, VOCAB } from './helpers.js';

const count = (g: Graph, slices: readonly { param: string }[]): number =>
  slices.reduce((n, s) => n + runLength(sliceRuns(g.initializers.get(s.param)!.dims.map(Number), s)), 0);

describe('GPT layout and parameter split', () => {
  it('finds every block of a builder GPT, its heads and context', () => {
    const layout = gptLayout(tinyModel());
    expect(layout.layers.map((l) => l.index)).toEqual([0, 1]);
    expect([layout.dim, layout.hidden, layout.heads, layout.headDim, layout.context]).toEqual([32, 128, 4, 8, 8]);
    expect(layout.layers[1]).toMatchObject({ fcWeight: 'h.1.mlp.c_fc.weight', qkvBias: 'h.1.attn.c_attn.bias', blockOutput: 'h.1' });
  });

  it('a model that is not GPT-shaped is a named error', () => {
    const mlpOnly = buildGPT({ vocab: 10, context: 4, dim: 8, depth: 1, heads: 2, seed: 1 });
    mlpOnly.initializers.delete('h.0.attn.c_attn.weight');
    expect(() => gptLayout(mlpOnly)).toThrow(/not a GPT-shaped model: no initializer 'h.0.attn.c_attn.weight'/);
    const renamed = buildGPT({ vocab: 10, context: 4, dim: 8, depth: 1, heads: 2, seed: 1 });
    for (const k of [...renamed.initializers.keys()]) if (k.includes('c_fc')) renamed.initializers.delete(k);
    expect(() => gptLayout(renamed)).toThrow(GradlocError);
    expect(() => gptLayout(renamed)).toThrow(/<prefix>h\.<i>\.mlp\.c_fc\.weight/);
  });

  it('splits forget / retain as the reference does; the counts match the hand count', () => {
    const g = tinyModel();
    const split = splitParameters(gptLayout(g), { forgetUnits: 16, forgetHeads: 1 });
    const [d, h, k, hd] = [32, 128, 16, 8];
    // c_fc cols + bias, c_proj rows, out-proj rows, q/k/v cols + their bias
    const perLayerForget = d * k + k + k * d + hd * d + 3 * d * hd + 3 * hd;
    const perLayerSplit = d * h + h + h * d + d + d * d + d + 3 * d * d + 3 * d; // every element of the split matrices and the two output biases
    expect(count(g, split.forget)).toBe(2 * perLayerForget);
    expect(count(g, split.groups[1].slices)).toBe(2 * (perLayerSplit - perLayerForget));
    expect(defaultForgetUnits(512)).toBe(48);
    expect(splitParameters(gptLayout(g)).forgetUnits).toBe(12);
  });

  it('bad sizes are one-line errors', () => {
    const layout = gptLayout(tinyModel());
    expect(() => splitParameters(layout, { forgetUnits: 128 })).toThrow(/forget units must be an integer in \[1, 127\] \(the layer has 128\), got 128/);
    expect(() => splitParameters(layout, { forgetHeads: 4 })).toThrow(/forget heads must be an integer in \[1, 3\]/);
    expect(() => splitParameters(layout, { layers: [5] })).toThrow(/layer 5 does not exist/);
  });

  it('ablating the forget parameters equals gating their activations off (an independent route to the same model)', async () => {
    const g = tinyModel(5);
    const split = splitParameters(gptLayout(g), { forgetUnits: 16, forgetHeads: 1 });
    const ids = tensor('int64', [2, 8], BigInt64Array.from([1, 2, 3, 4, 5, 6, 7, 8, 20, 19, 18, 17, 16, 15, 14, 13].map(BigInt)));
    const targets = tensor('int64', [2, 8], BigInt64Array.from([2, 3, 4, 5, 6, 7, 8, 9, 19, 18, 17, 16, 15, 14, 13, 12].map(BigInt)));
    const gated = OnnxModel.fromGraph(trainingGraph(g, split));
    const gates = Object.fromEntries(Object.entries(split.gateValues('retain')).map(([k, v]) => [k, tensor('float32', [v.length], v)]));
    const viaGates = (await gated.run({ input_ids: ids, targets, ...gates }, ['logits'])).logits.data as Float32Array;
    const ablated = OnnxModel.fromGraph(ablate(g, split.forget));
    const viaWeights = (await ablated.run({ input_ids: ids }, ['logits'])).logits.data as Float32Array;
    const plain = (await OnnxModel.fromGraph(g).run({ input_ids: ids }, ['logits'])).logits.data as Float32Array;
    let maxDiff = 0;
    let changed = 0;
    for (let i = 0; i < plain.length; i++) {
      maxDiff = Math.max(maxDiff, Math.abs(viaGates[i] - viaWeights[i]));
      changed = Math.max(changed, Math.abs(plain[i] - viaWeights[i]));
    }
    expect(maxDiff).toBeLessThan(1e-5);
    expect(changed).toBeGreaterThan(1e-2);
    await Promise.all([gated.release(), ablated.release()]);
  });

  it('withLogitBias adds a zero bias that leaves the logits unchanged', async () => {
    const raw = buildGPT({ vocab: VOCAB, context: TINY.context, dim: TINY.dim, depth: 1, heads: TINY.heads, seed: 2 });
    const biased = withLogitBias(raw, gptLayout(raw));
    expect(biased.initializers.has('lm_head.bias')).toBe(true);
    const ids = { input_ids: tensor('int64', [1, 4], BigInt64Array.from([1, 2, 3, 4].map(BigInt))) };
    const a = (await OnnxModel.fromGraph(raw).run(ids)).logits.data;
    const b = (await OnnxModel.fromGraph(biased).run(ids)).logits.data;
    expect(Array.from(b)).toEqual(Array.from(a));
  });
});
