/**
 * OnnxGrounder on a hand-built grounder whose outputs are known (toy-grounder.ts).
 */
import { describe, expect, it } from 'vitest';
import { GradlocError, tensor } from '@gradloc/tensor-backend';
import { OnnxGrounder } from '../src/detector/onnx-grounder.js';
import { encodeQuery, sigmoid, toyGrounder } from './toy-grounder.js';

describe('OnnxGrounder', () => {
  it('returns sigmoid scores and xyxy boxes clamped to the image, per batch item', async () => {
    const d = new OnnxGrounder({ model: toyGrounder(['batch', 3, 4, 6]), encodeQuery });
    expect([d.height, d.width]).toEqual([4, 6]);
    const images = tensor('float32', [2, 3, 4, 6], Float32Array.from({ length: 2 * 72 }, (_, i) => (i < 72 ? 1 : 0.25)));
    const [p0, p1] = await d.detect(images, 'q');
    expect(p0.scores[0]).toBeCloseTo(sigmoid(5), 6);
    expect(p1.scores[1]).toBeCloseTo(sigmoid(-2.5), 6);
    expect([...p0.boxes]).toEqual([0.25, 0.25, 0.75, 0.75, 0, 0, 0.30000001192092896, 0.20000000298023224].map(Math.fround));
    await d.release();
  });

  it('takes the size from the options when H and W are symbolic, and normalises pixels when asked', async () => {
    const model = toyGrounder(['batch', 3, 'height', 'width']);
    expect(() => new OnnxGrounder({ model, encodeQuery, owns: false })).toThrow(GradlocError);
    const d = new OnnxGrounder({ model, encodeQuery, size: { height: 2, width: 3 }, normalize: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.5, 1] } });
    expect([d.height, d.width]).toEqual([2, 3]);
    const px = d.feeds(tensor('float32', [1, 3, 2, 3], new Float32Array(18).fill(1)), 'q').pixel_values.data as Float32Array;
    expect([px[0], px[6], px[12]]).toEqual([2, 1, 0.5]);
    await d.release();
  });

  it('names the missing output', () => {
    const model = toyGrounder(['batch', 3, 4, 4], ['scores', 'pred_boxes']);
    expect(() => new OnnxGrounder({ model, encodeQuery })).toThrow(/no output 'logits'/);
  });
});
