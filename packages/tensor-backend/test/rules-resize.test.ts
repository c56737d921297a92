import { describe, expect, it } from 'vitest';
import type { AttrMap } from '../src/index.js';
import { asFloat, float32, GradlocError } from '../src/index.js';
import type { OpInput } from '../src/testing/index.js';
import { checkOp, floats, ints, uniform } from './window-helpers.js';

/**
 * Resize has no float64 kernel on the CPU, so the checks run in float32. With static
 * shapes Resize is linear in X (a fixed weighted sum of input elements per output), so
 * central differences carry no truncation error, only float32 rounding of outputs of
 * magnitude <= ~1.5 (cubic overshoot): ~2e-7, over the step 2h = 0.1. A wrong source
 * index or weight moves whole entries of the gradient by ~0.1-1, so 2e-4 is a safe bound.
 */
const TOL = 2e-4;

interface ResizeCase {
  readonly name: string;
  readonly x: number[];
  readonly scales?: number[];
  readonly sizes?: number[];
  readonly attrs: AttrMap;
  readonly opset: number;
  readonly op?: 'Resize' | 'Upsample';
}

/** Inputs in the layout of the case's opset: (X, scales) before 11, (X, roi, scales, sizes) after. */
function resizeInputs(c: ResizeCase): (OpInput | null)[] {
  const x = { name: 'x', value: uniform(c.x, 11) };
  if (c.op === 'Upsample' && c.opset < 9) return [x];
  if (c.op === 'Upsample' || c.opset < 11) return [x, { name: 'scales', value: floats(c.scales!), constant: true }];
  // opset 11 requires roi and scales to be present (empty when unused); 13+ allows omitting them
  const empty = c.opset < 13 ? { name: 'roi', value: float32([0], []), constant: true } : null;
  const scales = c.scales ? { name: 'scales', value: floats(c.scales), constant: true } : c.opset < 13 ? { name: 'scales', value: float32([0], []), constant: true } : null;
  const sizes = c.sizes ? { name: 'sizes', value: ints(c.sizes), constant: true } : null;
  return [x, empty, scales, sizes];
}

const cases: ResizeCase[] = [
  { name: 'nearest asymmetric floor x2 (block-sum path)', x: [1, 2, 7, 9], scales: [1, 1, 2, 2], attrs: { mode: 'nearest', coordinate_transformation_mode: 'asymmetric', nearest_mode: 'floor' }, opset: 11 },
  { name: 'nearest half_pixel round_prefer_floor x2 / x3', x: [2, 2, 7, 9], scales: [1, 1, 2, 3], attrs: { mode: 'nearest' }, opset: 13 },
  { name: 'nearest round_prefer_ceil, non-integer sizes', x: [1, 2, 7, 9], sizes: [1, 2, 10, 13], attrs: { mode: 'nearest', nearest_mode: 'round_prefer_ceil' }, opset: 13 },
  { name: 'nearest ceil, downscale', x: [1, 2, 7, 9], sizes: [1, 2, 4, 5], attrs: { mode: 'nearest', nearest_mode: 'ceil' }, opset: 13 },
  { name: 'nearest floor, align_corners', x: [1, 2, 7, 9], sizes: [1, 2, 11, 6], attrs: { mode: 'nearest', nearest_mode: 'floor', coordinate_transformation_mode: 'align_corners' }, opset: 13 },
  { name: 'nearest, tf_half_pixel_for_nn (opset 11)', x: [1, 2, 7, 9], scales: [1, 1, 1.5, 0.5], attrs: { mode: 'nearest', coordinate_transformation_mode: 'tf_half_pixel_for_nn' }, opset: 11 },
  { name: 'nearest on the channel axis too', x: [1, 3, 4, 5], scales: [1, 2, 1, 2], attrs: { mode: 'nearest' }, opset: 13 },
  { name: 'linear half_pixel x2', x: [2, 2, 7, 9], scales: [1, 1, 2, 2], attrs: { mode: 'linear' }, opset: 13 },
  { name: 'linear align_corners, sizes', x: [1, 2, 7, 9], sizes: [1, 2, 11, 13], attrs: { mode: 'linear', coordinate_transformation_mode: 'align_corners' }, opset: 11 },
  { name: 'linear asymmetric, downscale 0.5 (odd input)', x: [1, 2, 7, 9], scales: [1, 1, 0.5, 0.5], attrs: { mode: 'linear', coordinate_transformation_mode: 'asymmetric' }, opset: 13 },
  { name: 'linear pytorch_half_pixel, an output of length 1', x: [1, 2, 7, 9], sizes: [1, 2, 1, 14], attrs: { mode: 'linear', coordinate_transformation_mode: 'pytorch_half_pixel' }, opset: 13 },
  { name: 'linear half_pixel, non-integer scales 1.7 / 0.6', x: [1, 2, 7, 9], scales: [1, 1, 1.7, 0.6], attrs: { mode: 'linear' }, opset: 18 },
  { name: 'cubic half_pixel x2', x: [1, 2, 6, 7], scales: [1, 1, 2, 2], attrs: { mode: 'cubic' }, opset: 13 },
  { name: 'cubic a=-0.5, exclude_outside, asymmetric', x: [1, 2, 6, 7], sizes: [1, 2, 9, 11], attrs: { mode: 'cubic', cubic_coeff_a: -0.5, exclude_outside: 1, coordinate_transformation_mode: 'asymmetric' }, opset: 13 },
  { name: 'opset 18 axes [2, 3] with scales', x: [1, 2, 7, 9], scales: [2, 1.5], attrs: { mode: 'linear', axes: [2, 3] }, opset: 18 },
  { name: 'opset 18 negative axes [-1] with sizes', x: [1, 2, 7, 9], sizes: [13], attrs: { mode: 'nearest', axes: [-1] }, opset: 18 },
  { name: 'opset 18 keep_aspect_ratio_policy not_larger', x: [1, 2, 7, 9], sizes: [14, 27], attrs: { mode: 'linear', axes: [2, 3], keep_aspect_ratio_policy: 'not_larger' }, opset: 18 },
  { name: 'opset 18 keep_aspect_ratio_policy not_smaller', x: [1, 2, 7, 9], sizes: [1, 2, 14, 10], attrs: { mode: 'nearest', keep_aspect_ratio_policy: 'not_smaller' }, opset: 18 },
  { name: 'opset 19 half_pixel_symmetric linear', x: [1, 2, 7, 9], scales: [1, 1, 1.6, 0.7], attrs: { mode: 'linear', coordinate_transformation_mode: 'half_pixel_symmetric' }, opset: 19 },
  { name: 'opset 19 nearest, sizes', x: [1, 2, 7, 9], sizes: [1, 2, 14, 4], attrs: { mode: 'nearest' }, opset: 19 },
  { name: 'Resize-10 nearest (asymmetric, legacy rounding)', x: [1, 2, 5, 7], scales: [1, 1, 2, 1.5], attrs: { mode: 'nearest' }, opset: 10 },
  { name: 'Resize-10 linear, downscale', x: [1, 2, 7, 9], scales: [1, 1, 0.6, 0.5], attrs: { mode: 'linear' }, opset: 10 },
  { name: 'Upsample-9 nearest', x: [1, 2, 5, 7], scales: [1, 1, 2, 3], attrs: { mode: 'nearest' }, opset: 9, op: 'Upsample' },
  { name: 'Upsample-9 linear', x: [1, 2, 5, 7], scales: [1, 1, 2, 1.5], attrs: { mode: 'linear' }, opset: 9, op: 'Upsample' },
  { name: 'Upsample-7 (scales attribute)', x: [1, 2, 5, 7], attrs: { mode: 'nearest', scales: [1, 1, 2, 2].map(asFloat) }, opset: 7, op: 'Upsample' },
];

describe('Resize / Upsample gradient against finite differences (float32)', () => {
  for (const c of cases) {
    it(c.name, async () => {
      const r = await checkOp({ op: c.op ?? 'Resize', inputs: resizeInputs(c), attrs: c.attrs, opset: c.opset, h: 0.05, wrt: ['x'] });
      expect(r.maxScaledError).toBeLessThan(TOL);
    });
  }

  it('scales computed at run time are a clear compile-time error', async () => {
    const inputs: OpInput[] = [{ name: 'x', value: uniform([1, 1, 4, 4], 1) }, { name: 'roi', value: float32([0], []), constant: true }, { name: 'scales', value: floats([1, 1, 2, 2]) }];
    await expect(checkOp({ op: 'Resize', inputs, attrs: { mode: 'nearest' }, opset: 11, wrt: ['x'] })).rejects.toThrow(/scales must be known when the graph is compiled/);
  });

  it('tf_crop_and_resize and antialias fail with a clear message', async () => {
    for (const attrs of [{ mode: 'linear', coordinate_transformation_mode: 'tf_crop_and_resize' }, { mode: 'linear', antialias: 1 }]) {
      const c: ResizeCase = { name: '', x: [1, 1, 4, 4], scales: [1, 1, 0.5, 0.5], attrs, opset: 18 };
      const inputs = resizeInputs(c);
      if (attrs.coordinate_transformation_mode) inputs[1] = { name: 'roi', value: floats([0, 0, 0, 0, 1, 1, 1, 1]), constant: true };
      const err = await checkOp({ op: 'Resize', inputs, attrs, opset: 18, wrt: ['x'] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(GradlocError);
      expect(String((err as Error).message)).toMatch(/tf_crop_and_resize|antialias/);
    }
  });
});
