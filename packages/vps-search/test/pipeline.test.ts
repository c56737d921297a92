/**
 * The high-level entry points on detectors whose answers are known: explainDetection maps a
 * picture of another size to the detector's input and back (the region that decides the
 * score is where the map peaks, in the picture's pixels), takes or finds the box, flags a
 * miss, and outlines the box on the overlay; ground() returns each query's boxes in the
 * picture's pixels, thresholded and de-duplicated per query.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { RgbImage } from '@gradloc/tensor-backend';
import { gridRegions } from '../src/regions/grid.js';
import { OnnxGrounder } from '../src/detector/onnx-grounder.js';
import { explainDetection, MISS_THRESHOLD } from '../src/pipeline/explain-detection.js';
import { ground } from '../src/pipeline/ground.js';
import { ToyDetector } from './toy-detector.js';
import { BOXES, encodeQuery, sigmoid, toyGrounder } from './toy-grounder.js';

const white = (width: number, height: number): RgbImage => ({ width, height, data: new Uint8Array(width * height * 3).fill(255) });

// the detector sees 12 x 12; the picture is 36 x 24 (3x wider, 2x taller)
const H = 12;
const W = 12;
const regions = gridRegions(H, W, 9); // 3 x 3 cells of 4 x 4
const KEY = 4; // the centre cell decides the score

describe('explainDetection', () => {
  const detector = (scale = 1) => new ToyDetector(H, W, regions.labels, regions.count, (revealed) => scale * (0.9 * revealed[KEY] + 0.1 * revealed[0]));

  it('explains the best box by default; the map peaks on the deciding region, at the picture size', async () => {
    const r = await explainDetection({ detector: detector(), image: white(36, 24), query: 'toy', regions });
    // ToyDetector's one prediction is TARGET_BOX = [0.25, 0.25, 0.75, 0.75] of the picture
    expect(r.box).toEqual([9, 6, 27, 18]);
    expect(r.score).toBeCloseTo(1, 6);
    expect(r.missed).toBe(false);
    expect([r.map.width, r.map.height, r.map.data.length]).toEqual([36, 24, 36 * 24]);
    // the centre cell is columns 12..23, rows 8..15 of the picture; corner (0, 0) is the runner-up
    const at = (x: number, y: number): number => r.map.data[y * 36 + x];
    expect(at(18, 12)).toBe(1);
    expect(at(18, 12)).toBeGreaterThan(at(2, 2));
    expect(at(2, 2)).toBeGreaterThan(at(33, 21));
    expect(r.regions).toBe(9);
    // the default search (shortlist): a full round of 9 sets, then 2 stale-best + the pick's neighbours per step
    expect(r.forwardPasses).toBeLessThan(2 + 9 * 10);
    const greedy = await explainDetection({ detector: detector(), image: white(36, 24), query: 'toy', regions, search: 'greedy' });
    expect(greedy.forwardPasses).toBe(2 + 9 * 10); // plain greedy: 2 + n(n + 1)
    expect(Array.from(greedy.map.data)).toEqual(Array.from(r.map.data));
  });

  it('takes a box in pixels of the picture, outlines it on the overlay and flags a miss', async () => {
    const r = await explainDetection({ detector: detector(0.05), image: white(36, 24), query: 'toy', box: [9, 6, 27, 18], regions: 9, division: 'grid' });
    expect(r.score).toBeLessThan(MISS_THRESHOLD);
    expect(r.missed).toBe(true);
    expect([r.overlay.width, r.overlay.height]).toEqual([36, 24]);
    const px = (x: number, y: number): number[] => Array.from(r.overlay.data.subarray((y * 36 + x) * 3, (y * 36 + x) * 3 + 3));
    expect(px(9, 12)).toEqual([255, 255, 255]); // the box's left edge, in white
    expect(px(8, 12)).toEqual([0, 0, 0]); // its dark halo
  });

  it('refuses a box outside the picture, naming the picture size', async () => {
    await expect(explainDetection({ detector: detector(), image: white(36, 24), query: 'toy', box: [0, 0, 40, 10], regions })).rejects.toThrow(/0 <= x0 < x1 <= 36 and 0 <= y0 < y1 <= 24/);
  });
});

describe('ground', () => {
  const grounder = new OnnxGrounder({ model: toyGrounder(['batch', 3, 4, 6]), encodeQuery });
  afterAll(() => grounder.release());

  it('returns every query its boxes in the picture pixels, best first, above the threshold', async () => {
    const r = await ground({ detector: grounder, image: white(12, 8), queries: ['a', 'b'], threshold: 0.5 });
    expect([r.width, r.height]).toEqual([12, 8]);
    // both predictions score sigmoid(10 * 1 - 5); boxes (cx, cy, w, h) -> xyxy clamped, times (12, 8)
    const [cx, cy, w, h] = BOXES.slice(4);
    const second = [Math.max(0, cx - w / 2) * 12, Math.max(0, cy - h / 2) * 8, (cx + w / 2) * 12, (cy + h / 2) * 8];
    expect(r.detections.map((d) => d.query)).toEqual(['a', 'a', 'b', 'b']);
    expect(r.detections[0].box).toEqual([3, 2, 9, 6]);
    r.detections[1].box.forEach((v, i) => expect(v).toBeCloseTo(second[i], 2));
    for (const d of r.detections) expect(d.score).toBeCloseTo(sigmoid(5), 6);
    const none = await ground({ detector: grounder, image: white(12, 8), queries: ['a'], threshold: 0.999 });
    expect(none.detections).toEqual([]);
  });

  it('de-duplicates a query\'s overlapping boxes (NMS per query)', async () => {
    // IoU of the two boxes is 0; any IoU threshold below 0 keeps only the better one
    const r = await ground({ detector: grounder, image: white(12, 8), queries: ['a'], threshold: 0.5, iou: -1 });
    expect(r.detections.length).toBe(1);
  });
});
