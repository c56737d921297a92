/**
 * Grad-ECLIP against a torch reference (tools/cam-fixtures/clip.py: a Hugging Face-style tiny
 * CLIP exported by torch.onnx, maps computed in float64 torch from hooks on the real
 * multi-head forward, no code of this package), and the attention pattern finder on exports
 * with different names.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { GradlocError, OnnxModel, readNpy, rng, type Tensor } from '@gradloc/tensor-backend';
import { attentionMaps, findAttentionBlocks, gradEclip, gradEclipScores, gradEclipScoresBatched, towerBlocks } from '../src/index.js';

const HERE = dirname(fileURLToPath(import.meta.url));
const CLIP = join(HERE, 'fixtures', 'torch-clip');
const manifest = JSON.parse(readFileSync(join(CLIP, 'manifest.json'), 'utf8')) as {
  cases: { image: number; text: number; similarity: number; eot: number; [k: string]: unknown }[];
};
const model = OnnxModel.load(join(CLIP, 'model.onnx'), { threads: 1 });
afterAll(() => model.release());
const pixels = readNpy(join(CLIP, 'pixels.npy'));
const ids = readNpy(join(CLIP, 'ids.npy'));

/** Row i of a batch as a batch of one. */
function row(t: Tensor, i: number): Tensor {
  const per = t.data.length / t.dims[0];
  return { ...t, dims: [1, ...t.dims.slice(1)], data: t.data.slice(i * per, (i + 1) * per) } as Tensor;
}

/** max |a - b| / max |b|. */
function relDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0;
  let s = 0;
  for (let i = 0; i < b.length; i++) {
    d = Math.max(d, Math.abs(a[i] - b[i]));
    s = Math.max(s, Math.abs(b[i]));
  }
  return d / (s || 1);
}

describe('Grad-ECLIP vs torch (Hugging Face-style CLIP, real multi-head forward)', () => {
  for (const c of manifest.cases) {
    for (const n of [1, 3]) {
      it(`image ${c.image} / caption ${c.text}, last ${n} block(s): similarity, image map and token weights`, async () => {
        const feeds = { pixel_values: row(pixels, c.image), input_ids: row(ids, c.text) };
        const r = await gradEclip({ model }, feeds, { imageBlocks: n, textBlocks: n });
        expect(r.similarity).toBeCloseTo(c.similarity, 6);
        const refImage = readNpy(join(CLIP, String(c[`imageLast${n}`])));
        expect([r.image.rows, r.image.cols]).toEqual(refImage.dims);
        expect(relDiff(r.image.map, refImage.data as Float64Array)).toBeLessThan(1e-5);
        const refText = readNpy(join(CLIP, String(c[`textLast${n}`])));
        expect(r.text.eos).toBe(c.eot);
        expect(r.text.positions).toEqual(Array.from({ length: c.eot - 1 }, (_, i) => i + 1));
        expect(relDiff(r.text.weights, refText.data as Float64Array)).toBeLessThan(1e-5);
      });
    }
  }

  it('named tensors give the same maps as the ones the pattern finds', async () => {
    const feeds = { pixel_values: row(pixels, 0), input_ids: row(ids, 0) };
    const found = await gradEclip({ model }, feeds, { imageBlocks: 3 });
    const image = towerBlocks(model.graph, feeds, 'pixel_values').map(({ q, k, v, context }) => ({ q, k, v, context }));
    const named = await gradEclip({ model }, feeds, { imageBlocks: 3, attention: { image } });
    expect(Array.from(named.image.map)).toEqual(Array.from(found.image.map));
  });

  it('the batched scores (onnxruntime MatMul, for towers pooling many rows) equal the plain loops', async () => {
    const r = rng(4);
    const [L, D] = [9, 6];
    const rand = (): number[] => Array.from({ length: L * D }, () => r() - 0.5);
    const [q, k, v, g] = [rand(), rand(), rand(), rand()];
    for (let d = 0; d < D; d++) g[2 * D + d] = 0; // a row without gradient
    const rows = Array.from({ length: L }, (_, i) => i);
    const tokens = [1, 3, 4, 5, 8];
    for (const ksim of [true, false]) {
      const plain = gradEclipScores(q, k, v, g, D, rows, tokens, ksim);
      const batched = await gradEclipScoresBatched(q, k, v, g, D, rows, tokens, ksim);
      expect(Array.from(batched)).toEqual(Array.from(plain).map((x) => expect.closeTo(x, 5)));
    }
  });

  it('without the key similarity every token weighs 1 (the authors\' ablation)', () => {
    // 2 tokens, width 2; pooled row 0: g = (1, 2); v_1 = (3, 0), v_2 = (0, 1) -> g.v = 3, 2
    const q = [1, 0, 0, 0];
    const k = [1, 0, 0, 1];
    const v = [3, 0, 0, 1];
    const g = [1, 2, 0, 0];
    expect(Array.from(gradEclipScores(q, k, v, g, 2, [0], [0, 1], false))).toEqual([3, 2]);
    // with it: cos(q_0, k_0) = 1, cos(q_0, k_1) = 0 -> min-max (1, 0)
    expect(Array.from(gradEclipScores(q, k, v, g, 2, [0], [0, 1], true))).toEqual([3, 0]);
  });
});

describe('attention baselines vs torch (class-token attention, rollout)', () => {
  for (const c of manifest.cases) {
    it(`image ${c.image}: the last block's class-token attention and the rollout`, async () => {
      const feeds = { pixel_values: row(pixels, c.image), input_ids: row(ids, c.text) };
      const r = await attentionMaps(model, feeds);
      expect([r.rows, r.cols]).toEqual([4, 4]);
      expect(relDiff(r.attention, readNpy(join(CLIP, String(c.attention))).data as Float64Array)).toBeLessThan(1e-5);
      expect(relDiff(r.rollout, readNpy(join(CLIP, String(c.rollout))).data as Float64Array)).toBeLessThan(1e-5);
    });
  }
});

describe('attention blocks by graph pattern', () => {
  it('finds q, k, v and the tensor before out_proj in a torch.onnx export, per tower', () => {
    const feeds = { pixel_values: row(pixels, 0), input_ids: row(ids, 0) };
    const blocks = findAttentionBlocks(model.graph, feeds);
    expect(blocks.map((b) => b.inputs.join())).toEqual([...Array(3).fill('pixel_values'), ...Array(3).fill('input_ids')]);
    const vb = blocks[2];
    expect(vb.context).toBe('/vblocks.2/attn/Reshape_3_output_0');
    expect(vb.k).toBe('/vblocks.2/attn/k_proj/Add_output_0');
    expect(vb.v).toBe('/vblocks.2/attn/v_proj/Add_output_0');
    expect(vb.q).toBe('/vblocks.2/attn/Mul_output_0'); // the scaled query: the cosine does not see the scale
    expect([vb.tokens, vb.width]).toEqual([17, 32]);
  });

  it("finds the zoo's shapes-clip blocks (other names, a padding mask through Where)", () => {
    const clip = OnnxModel.load(join(HERE, '..', '..', '..', 'models', 'shapes-clip', 'model.onnx'), { threads: 1 });
    const feeds = { pixel_values: { dtype: 'float32', dims: [1, 3, 96, 96], data: new Float32Array(3 * 96 * 96) }, input_ids: { dtype: 'int64', dims: [1, 16], data: new BigInt64Array(16) } } as const;
    const blocks = findAttentionBlocks(clip.graph, feeds);
    expect(blocks.map((b) => b.q)).toEqual([0, 1, 2, 3].map((i) => `vision.blocks.${i}.attn.q`).concat([0, 1].map((i) => `text.blocks.${i}.attn.q`)));
    expect(blocks.map((b) => b.v)).toEqual([0, 1, 2, 3].map((i) => `vision.blocks.${i}.attn.v`).concat([0, 1].map((i) => `text.blocks.${i}.attn.v`)));
    // the context feeds the output projection
    const proj = clip.graph.nodes.find((n) => n.inputs[1] === 'vision.blocks.3.attn.proj.weight')!;
    expect(blocks[3].context).toBe(proj.inputs[0]);
    return clip.release();
  });

  it('a model without attention is a one-line error saying what was looked for and how to name tensors', () => {
    const cnn = OnnxModel.load(join(HERE, 'fixtures', 'torch', 'rescnn', 'model.onnx'), { threads: 1 });
    const x = readNpy(join(HERE, 'fixtures', 'torch', 'rescnn', 'input.npy'));
    let err: unknown;
    try {
      towerBlocks(cnn.graph, { x }, 'x');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(GradlocError);
    expect((err as Error).message).toMatch(/no attention block reading 'x'.*Softmax.*name.*\{ q, k, v, context \}/);
    expect((err as Error).message).not.toContain('\n');
    return cnn.release();
  });
});
