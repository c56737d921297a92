/** Decomposed LayerNorms are re-fused before differentiation, without changing any gradient. */
import { describe, expect, it } from 'vitest';
import { OnnxModel, buildGradGraph, buildViT, createSession, encodeModel, sampleFeeds, type Tensor } from '../src/index.js';

const vit = () => buildViT({ imageSize: 32, patch: 8, dim: 32, depth: 2, heads: 2, classes: 5, seed: 3 });

async function runGrad(fuse: boolean, wrt: string[]): Promise<{ lnNodes: number; grads: Tensor[] }> {
  const g = vit();
  const feeds = sampleFeeds(g, 4);
  const gg = buildGradGraph(g, { input: feeds.input.dims }, { of: 'logits', wrt, fuse });
  const s = await createSession(encodeModel(gg.graph.toModel()));
  const fwd = await OnnxModel.fromGraph(g).run(feeds);
  const raw = await s.run({ ...feeds, [gg.seed]: fwd.logits });
  await s.release();
  const grads = wrt.map((w) => {
    const ref = gg.grads.get(w)!;
    if (ref.kind !== 'output') throw new Error(`unexpected ${ref.kind}`);
    return raw[ref.name];
  });
  return { lnNodes: gg.graph.nodes.filter((n) => n.op === 'LayerNormalization').length, grads };
}

describe('LayerNorm re-fusion', () => {
  it('fuses every decomposed LayerNorm and leaves input and weight gradients unchanged', async () => {
    const wrt = ['input', 'blocks.0.norm1.weight', 'blocks.1.norm2.bias', 'norm.weight', 'blocks.0.attn.q.weight'];
    const plain = await runGrad(false, wrt);
    const fused = await runGrad(true, wrt);
    expect(plain.lnNodes).toBe(0);
    expect(fused.lnNodes).toBe(5); // 2 per block + the final norm
    fused.grads.forEach((g, i) => {
      const ref = plain.grads[i];
      let max = 0;
      let err = 0;
      for (let k = 0; k < ref.data.length; k++) {
        max = Math.max(max, Math.abs(Number(ref.data[k])));
        err = Math.max(err, Math.abs(Number(g.data[k]) - Number(ref.data[k])));
      }
      // float32 kernels summing in another order: relative to the largest entry
      expect(err / max).toBeLessThan(1e-4);
    });
  });

  it('keeps the pattern when an intermediate is asked for', async () => {
    const g = vit();
    const inner = g.nodes.find((n) => n.op === 'Sqrt')!.outputs[0];
    const gg = buildGradGraph(g, { input: [1, 3, 32, 32] }, { of: 'logits', wrt: ['input', inner] });
    expect(gg.graph.nodes.filter((n) => n.op === 'LayerNormalization').length).toBe(4);
  });
});
