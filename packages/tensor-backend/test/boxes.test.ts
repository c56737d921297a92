import { describe, expect, it } from 'vitest';
import { boxArea, boxFromRegion, boxIntoRegion, cropMap, cxcywhToXyxy, iou, nms, xyxyToCxcywh } from '../src/index.js';

describe('boxes', () => {
  it('computes IoU by hand-checked cases', () => {
    expect(iou([0, 0, 10, 10], [0, 0, 10, 10])).toBe(1);
    expect(iou([0, 0, 10, 10], [5, 0, 15, 10])).toBeCloseTo(50 / 150, 12);
    expect(iou([0, 0, 10, 10], [10, 0, 20, 10])).toBe(0); // touching edges
    expect(iou([0, 0, 10, 10], [2, 2, 4, 4])).toBeCloseTo(4 / 100, 12);
  });

  it('converts between corner and centre forms', () => {
    expect(cxcywhToXyxy(5, 6, 4, 2)).toEqual([3, 5, 7, 7]);
    expect(xyxyToCxcywh([3, 5, 7, 7])).toEqual([5, 6, 4, 2]);
    expect(boxArea([3, 5, 7, 7])).toBe(8);
    expect(boxArea([7, 7, 3, 5])).toBe(0);
  });

  it('suppresses overlapping lower-scored boxes and keeps separate ones', () => {
    const boxes = [
      [0, 0, 10, 10],
      [1, 1, 11, 11], // IoU 0.68 with box 0
      [20, 20, 30, 30],
      [0, 0, 10, 5], // IoU 0.5 with box 0: kept at threshold 0.5 (strictly greater drops)
    ] as const;
    expect(nms(boxes, [0.9, 0.8, 0.7, 0.6], 0.5)).toEqual([0, 2, 3]);
    expect(nms(boxes, [0.9, 0.8, 0.7, 0.6], 0.5, 0.75)).toEqual([0]);
    expect(nms(boxes, [0.1, 0.8, 0.7, 0.6], 0.5)).toEqual([1, 2, 3]);
  });
});

describe('regions (a picture filling part of a padded model input)', () => {
  it('boxIntoRegion and boxFromRegion are inverse, and map the region onto the whole frame', () => {
    const region = [0, 0, 1, 0.5] as const; // a 2:1 picture padded below to a square
    expect(boxIntoRegion([0, 0, 1, 1], region)).toEqual([0, 0, 1, 0.5]);
    expect(boxFromRegion([0.25, 0.1, 0.5, 0.3], region)).toEqual([0.25, 0.2, 0.5, 0.6]);
    const b = [0.1, 0.2, 0.7, 0.9] as const;
    const r = [0.2, 0.1, 0.8, 0.6] as const;
    boxFromRegion(boxIntoRegion(b, r), r).forEach((v, i) => expect(v).toBeCloseTo(b[i], 12));
  });

  it('cropMap cuts a map to the region (whole pixels) and returns the map itself for the full frame', () => {
    const map = { width: 4, height: 4, data: Float32Array.from({ length: 16 }, (_, i) => i) };
    expect(cropMap(map, [0, 0, 1, 1])).toBe(map);
    const top = cropMap(map, [0, 0, 1, 0.5]);
    expect([top.width, top.height, [...top.data]]).toEqual([4, 2, [0, 1, 2, 3, 4, 5, 6, 7]]);
    const inner = cropMap(map, [0.25, 0.25, 0.75, 0.75]);
    expect([inner.width, inner.height, [...inner.data]]).toEqual([2, 2, [5, 6, 9, 10]]);
  });
});
