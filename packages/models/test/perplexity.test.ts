/**
 * Perplexity (the metric on hand-made logits with known answers) and the causal-LM interface
 * checks that every language-model evaluation runs first.
 */
import { GradlocError, OnnxModel, buildGPT, tensor, type Tensor } from '@gradloc/tensor-backend';
import { describe, expect, it } from 'vitest';
import { planEvalWindows, type EvalBatch } from '../src/data/brown/index.js';
import { checkCausalLm, lmContext } from '../src/metrics/causal-lm.js';
import { perplexity, subsetPlan } from '../src/metrics/perplexity.js';

const V = 4;

/**
 * A fake LM over V ids: logit ln 3 on the target when the target is even, all zeros otherwise,
 * so p(target) = 3 / (3 + V - 1) = 1/2 for even targets and 1/V for odd ones.
 */
const fakeLm = async (b: EvalBatch): Promise<Tensor> => {
  const [B, T] = b.targets.dims;
  const logits = tensor('float32', [B, T, V]);
  for (let i = 0; i < B * T; i++) {
    const target = Number(b.targets.data[i]);
    if (target % 2 === 0) logits.data[i * V + target] = Math.log(3);
  }
  return logits;
};

describe('perplexity', () => {
  const tokens = Int32Array.from({ length: 23 }, (_, i) => (i * 7) % V);
  const targets = tokens.slice(1);
  const even = targets.filter((t) => t % 2 === 0).length;
  const odd = targets.length - even;
  const expected = Math.exp((even * Math.log(2) + odd * Math.log(V)) / targets.length);

  it.each([
    [5, 5, 1],
    [5, 2, 3],
    [8, 3, 32],
  ])('matches the closed form (context %i, stride %i, batch %i)', async (context, stride, batch) => {
    const r = await perplexity(planEvalWindows(tokens, context, stride), fakeLm, { batch });
    expect(r.predicted).toBe(22);
    expect(r.ppl).toBeCloseTo(expected, 5);
    expect(r.windows).toBe(r.totalWindows);
  });

  it('uniform logits give ppl = vocabulary size', async () => {
    const uniform = async (b: EvalBatch): Promise<Tensor> => tensor('float32', [...b.targets.dims, V]);
    expect((await perplexity(planEvalWindows(tokens, 6), uniform)).ppl).toBeCloseTo(V, 5);
  });

  it('a window subset is spread evenly and recounts the scored targets', async () => {
    const plan = planEvalWindows(Int32Array.from({ length: 101 }, (_, i) => i % V), 10);
    const sub = subsetPlan(plan, 3);
    expect(sub.windows.map((w) => w.start)).toEqual([0, 30, 60]);
    expect(sub.predicted).toBe(30);
    expect(subsetPlan(plan, 99)).toBe(plan);
    const r = await perplexity(plan, fakeLm, { maxWindows: 3 });
    expect([r.windows, r.totalWindows, r.predicted]).toEqual([3, 10, 30]);
  });
});

describe('causal LM interface', () => {
  it('wants input_ids -> logits over the tokenizer vocabulary, and finds the context', async () => {
    const small = OnnxModel.fromGraph(buildGPT({ vocab: 500, context: 16, dim: 8, depth: 1, heads: 2, seed: 1 }));
    expect(() => checkCausalLm(small, 10_000)).toThrow(/vocabulary has 500 entries.*10000/);
    expect(() => checkCausalLm(small, 500)).not.toThrow();
    expect(lmContext(small)).toBe(16);
    const withLoss = OnnxModel.fromGraph(buildGPT({ vocab: 500, context: 16, dim: 8, depth: 1, heads: 2, seed: 1, withLoss: true }));
    const err = (() => {
      try {
        checkCausalLm(withLoss, 500);
      } catch (e) {
        return e as GradlocError;
      }
    })();
    expect(err?.code).toBe('BAD_MODEL');
    expect(err?.message).toMatch(/exactly one input 'input_ids'.*targets/);
  });
});
