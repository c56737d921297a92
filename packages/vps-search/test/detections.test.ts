import { describe, expect, it } from 'vitest';
import { GradlocError } from '@gradloc/tensor-backend';
import { bestDetection, detections, normalizedBox } from '../src/detector/detections.js';

// four predictions: two overlapping boxes on one object (IoU 0.90), one elsewhere, one weak
const predictions = {
  boxes: Float32Array.from([0.1, 0.1, 0.5, 0.5, 0.12, 0.12, 0.5, 0.5, 0.6, 0.6, 0.9, 0.9, 0.0, 0.6, 0.2, 0.9]),
  scores: Float32Array.from([0.7, 0.9, 0.4, 0.1]),
};

describe('detections', () => {
  it('keeps predictions at or above the threshold, one per object (NMS), best first', () => {
    const d = detections(predictions, { threshold: 0.3 });
    expect(d.map((x) => Number(x.score.toFixed(2)))).toEqual([0.9, 0.4]);
    expect(d[0].box.map((v) => Number(v.toFixed(2)))).toEqual([0.12, 0.12, 0.5, 0.5]);
    // a looser IoU keeps the duplicate; a lower threshold adds the weak one; max cuts the list
    expect(detections(predictions, { threshold: 0.3, iou: 0.95 }).length).toBe(3);
    expect(detections(predictions, { threshold: 0.05 }).length).toBe(3);
    expect(detections(predictions, { threshold: 0.05, max: 1 }).length).toBe(1);
    // the default threshold (0.15) leaves the 0.1 prediction out
    expect(detections(predictions).length).toBe(2);
  });

  it('bestDetection is the top prediction whatever its score', () => {
    expect(bestDetection({ boxes: predictions.boxes.slice(12), scores: Float32Array.from([0.01]) }).score).toBeCloseTo(0.01, 6);
    expect(bestDetection(predictions).score).toBeCloseTo(0.9, 6);
    expect(() => bestDetection({ boxes: new Float32Array(0), scores: new Float32Array(0) })).toThrow(GradlocError);
  });

  it('normalizedBox divides by the image size and refuses boxes outside it', () => {
    expect(normalizedBox([10, 20, 50, 60], 100, 80, 'box')).toEqual([0.1, 0.25, 0.5, 0.75]);
    expect(() => normalizedBox([10, 20, 5, 60], 100, 80, '--box 10,20,5,60')).toThrow('--box 10,20,5,60 must satisfy 0 <= x0 < x1 <= 100 and 0 <= y0 < y1 <= 80');
    expect(() => normalizedBox([0, 0, 101, 80], 100, 80, 'box')).toThrow(/must satisfy/);
    expect(() => normalizedBox([0, 0, 10], 100, 80, 'box')).toThrow(/must satisfy/);
  });
});
