/** Targets: seeds, scores and frozen choices by hand; box-target Grad-CAM on the shipped grounder. */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { float32, OnnxModel, tensor } from '@gradloc/tensor-backend';
import { boxTarget, classTarget, createMethod, elementTarget, pointingGame, seedTarget, similarityTarget } from '../src/index.js';

const logits = float32([2, 3], [1, 3, 2, -1, 0, 4]);
const vals = (t: { data: ArrayLike<number> }): number[] => Array.from(t.data, Number);

describe('class targets', () => {
  it('seed one-hot rows, score softmax probabilities, value logits', () => {
    const t = classTarget({ output: 'y', classes: [2, 0] });
    expect(vals(t.seed({ y: logits }, [2, 3]))).toEqual([0, 0, 1, 1, 0, 0]);
    const p = (row: number[], k: number): number => Math.exp(row[k]) / row.reduce((s, v) => s + Math.exp(v), 0);
    const s = t.score({ y: logits });
    expect(s[0]).toBeCloseTo(p([1, 3, 2], 2), 12);
    expect(s[1]).toBeCloseTo(p([-1, 0, 4], 0), 12);
    expect(Array.from(t.value({ y: logits }))).toEqual([2, -1]);
  });

  it("'auto' takes each item's top class and freezes it for perturbed copies", () => {
    const t = classTarget({ output: 'y', classes: 'auto' });
    expect(t.needsForward).toBe(true);
    expect(vals(t.seed({ y: logits }, [2, 3]))).toEqual([0, 1, 0, 0, 0, 1]);
    const frozen = t.freeze({ y: logits });
    // item 1's class (2) stays the target on copies whose top class is another
    const copies = float32([2, 3], [9, 0, 1, 8, 0, 2]);
    expect(Array.from(frozen.select(1).value({ y: copies }))).toEqual([1, 2]);
    expect(() => t.select(0)).toThrow(/frozen/);
  });

  it('rejects classes out of range and per-item lists of the wrong length', () => {
    expect(() => classTarget({ output: 'y', classes: 3 }).seed({}, [2, 3])).toThrow(/out of range/);
    expect(() => classTarget({ output: 'y', classes: [1] }).seed({}, [2, 3])).toThrow(/batch of 2/);
  });
});

describe('element, seed and similarity targets', () => {
  const y = float32([2, 2, 2], [1, 2, 3, 4, 5, 6, 7, 8]);

  it('an element excludes the batch axis', () => {
    const t = elementTarget('y', [1, 0]);
    expect(vals(t.seed({}, [2, 2, 2]))).toEqual([0, 0, 1, 0, 0, 0, 1, 0]);
    expect(Array.from(t.score({ y }))).toEqual([3, 7]);
    expect(() => elementTarget('y', [2, 0]).seed({}, [2, 2, 2])).toThrow(/out of range/);
  });

  it('a seed of batch 1 applies to every item, and select() keeps one row of a batch seed', () => {
    const one = seedTarget('y', float32([1, 2, 2], [1, 0, 0, -1]));
    expect(Array.from(one.score({ y }))).toEqual([1 - 4, 5 - 8]);
    const both = seedTarget('y', float32([2, 2, 2], [1, 0, 0, 0, 0, 0, 0, 2]));
    expect(Array.from(both.score({ y }))).toEqual([1, 16]);
    expect(Array.from(both.select(1).score({ y }))).toEqual([8, 16]);
  });

  it('similarity is the dot product with the reference', () => {
    const e = float32([2, 3], [1, 0, 0, 0.6, 0.8, 0]);
    const t = similarityTarget('e', [0.6, 0.8, 0]);
    expect(Array.from(t.score({ e }), (v) => Number(v.toFixed(6)))).toEqual([0.6, 1]);
    expect(() => t.seed({}, [2, 4])).toThrow(/reference has 3/);
  });
});

describe('box targets', () => {
  // 3 predictions, 2 queries; the target box is prediction 1's box exactly
  const boxes = float32([1, 3, 4], [0.2, 0.2, 0.2, 0.2, 0.6, 0.6, 0.4, 0.4, 0.5, 0.5, 0.2, 0.2]);
  const lg = float32([1, 3, 2], [3, 0, 0.5, -2, 1, 0]);
  const sig = (x: number): number => 1 / (1 + Math.exp(-x));

  it('score = max over predictions of IoU x sigmoid(logit); the seed is its derivative at the winner', () => {
    const t = boxTarget({ logits: 'l', boxes: 'b', query: 0, box: [0.4, 0.4, 0.8, 0.8] });
    const outputs = { l: lg, b: boxes };
    // IoUs with [0.4, 0.8]^2: prediction 0 [0.1, 0.3]^2 -> 0; 1 -> 1; 2 [0.4, 0.6]^2 -> 0.04 / 0.16
    const candidates = [0, 1 * sig(0.5), 0.25 * sig(1)];
    expect(t.score(outputs)[0]).toBeCloseTo(Math.max(...candidates), 6); // float32 boxes
    const seed = vals(t.seed(outputs, [1, 3, 2]));
    const s = sig(0.5);
    expect(seed[2]).toBeCloseTo(s * (1 - s), 6);
    expect(seed.filter((v, i) => i !== 2 && v !== 0)).toEqual([]);
  });

  const grounder = join(import.meta.dirname, '../../../models/shapes-grounder');
  const model = existsSync(join(grounder, 'model.onnx')) ? OnnxModel.load(join(grounder, 'model.onnx')) : undefined;
  afterAll(() => model?.release());

  it.runIf(model)('Grad-CAM of a box score on the shipped grounder points into that object', async () => {
    // Scenes and queries from the zoo generator are not importable here (cam-explain does not
    // depend on the zoo), so the test draws its own scene: a red disk on grey at a known box.
    const S = 96;
    let hits = 0;
    const spots: [number, number][] = [[20, 24], [64, 30], [40, 66], [70, 70]];
    for (const [cx, cy] of spots) {
      const px = new Float32Array(3 * S * S).fill(0.35);
      const r = 11;
      for (let y = 0; y < S; y++) {
        for (let x = 0; x < S; x++) {
          if ((x + 0.5 - cx) ** 2 + (y + 0.5 - cy) ** 2 > r * r) continue;
          px[y * S + x] = 0.9;
          px[S * S + y * S + x] = 0.1;
          px[2 * S * S + y * S + x] = 0.1;
        }
      }
      // "a red circle" in the shapes vocabulary: <bos> a red circle <eos> (ids read from the card)
      const card = JSON.parse((await import('node:fs')).readFileSync(join(grounder, 'card.json'), 'utf8')) as { preprocessing: { vocabulary: string[] } };
      const vocab = card.preprocessing.vocabulary;
      const ids = ['<bos>', 'a', 'red', 'circle', '<eos>'].map((w) => vocab.indexOf(w));
      const input_ids = tensor('int64', [1, 8], [...ids, 0, 0, 0]);
      const box: [number, number, number, number] = [(cx - r) / S, (cy - r) / S, (cx + r) / S, (cy + r) / S];
      const target = boxTarget({ logits: 'logits', boxes: 'pred_boxes', query: 0, box });
      const cam = await createMethod('gradcam').explain({ model: model!, feeds: { pixel_values: float32([1, 3, S, S], px), input_ids }, target, layers: [{ name: 'vision.blocks.3' }], input: 'pixel_values' });
      expect(cam.scores[0]).toBeGreaterThan(0.3);
      hits += pointingGame(cam, [[[cx - r, cy - r, cx + r, cy + r]]], { tolerance: 0 }).hits[0] ? 1 : 0;
    }
    expect(hits).toBe(spots.length);
  });
});
