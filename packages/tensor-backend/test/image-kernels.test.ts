/** The image module's numeric kernels: bilinear resizing (half-pixel centres) and the smoothing filters. */
import { describe, expect, it } from 'vitest';
import { bilateralFilter, gaussianFilter, resizeBilinear } from '../src/index.js';

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  expect(a.length).toBe(b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return Number.isNaN(m) ? Infinity : m;
}

describe('bilinear resize with aligned corners (torch align_corners=True)', () => {
  it('2x2 -> 4x4 by hand: output x samples the input at x * (2 - 1) / (4 - 1) = 0, 1/3, 2/3, 1', () => {
    const out = resizeBilinear([0, 1, 2, 3], 1, 2, 2, 4, 4, 'align-corners');
    const lerp = (t: number, u: number): number => (1 - t) * ((1 - u) * 0 + u * 1) + t * ((1 - u) * 2 + u * 3);
    const want = [0, 1, 2, 3].flatMap((y) => [0, 1, 2, 3].map((x) => lerp(y / 3, x / 3)));
    out.forEach((v, i) => expect(v).toBeCloseTo(want[i], 6));
    // the corners are the input's; half-pixel centres would clamp the first output pixels instead
    expect([out[0], out[3], out[12], out[15]]).toEqual([0, 1, 2, 3]);
    expect(out[1]).toBeCloseTo(1 / 3, 6);
  });

  it('to one pixel samples the first input pixel, as torch does', () => {
    expect(Array.from(resizeBilinear([5, 1, 2, 3], 1, 2, 2, 1, 1, 'align-corners'))).toEqual([5]);
  });
});

describe('bilinear resize with half-pixel centres', () => {
  it('2x2 -> 4x4 by hand', () => {
    // output x samples the input at (x + 0.5) / 2 - 0.5 = -0.25, 0.25, 0.75, 1.25, clamped to
    // [0, 1]: weights 0, 0.25, 0.75, 1 along each axis
    const out = resizeBilinear([0, 1, 2, 3], 1, 2, 2, 4, 4);
    expect(Array.from(out)).toEqual([0, 0.25, 0.75, 1, 0.5, 0.75, 1.25, 1.5, 1.5, 1.75, 2.25, 2.5, 2, 2.25, 2.75, 3]);
  });

  /** The formula written out: src = (dst + 0.5) * in / out - 0.5, clamped below at 0; i0 = floor, i1 = min(i0 + 1, in - 1). */
  function formula(src: ArrayLike<number>, ih: number, iw: number, oh: number, ow: number): Float64Array {
    const coord = (d: number, i: number, o: number): [number, number, number] => {
      const s = Math.max(0, ((d + 0.5) * i) / o - 0.5);
      const i0 = Math.min(Math.floor(s), i - 1);
      return [i0, Math.min(i0 + 1, i - 1), s - i0];
    };
    const out = new Float64Array(oh * ow);
    for (let y = 0; y < oh; y++) {
      const [y0, y1, wy] = coord(y, ih, oh);
      for (let x = 0; x < ow; x++) {
        const [x0, x1, wx] = coord(x, iw, ow);
        const at = (yy: number, xx: number): number => src[yy * iw + xx];
        out[y * ow + x] = (1 - wy) * ((1 - wx) * at(y0, x0) + wx * at(y0, x1)) + wy * ((1 - wx) * at(y1, x0) + wx * at(y1, x1));
      }
    }
    return out;
  }

  for (const [ih, iw, oh, ow] of [
    [3, 5, 7, 11],
    [7, 10, 48, 64],
    [9, 7, 4, 3],
    [4, 4, 4, 9],
    [1, 3, 5, 5],
  ]) {
    it(`${ih}x${iw} -> ${oh}x${ow} equals the half-pixel formula`, () => {
      const src = Float32Array.from({ length: 2 * ih * iw }, (_, i) => Math.sin(1.3 * i) + 0.01 * i);
      const out = resizeBilinear(src, 2, ih, iw, oh, ow);
      for (let p = 0; p < 2; p++) {
        const expected = formula(src.subarray(p * ih * iw, (p + 1) * ih * iw), ih, iw, oh, ow);
        expect(maxAbsDiff(out.subarray(p * oh * ow, (p + 1) * oh * ow), expected)).toBeLessThan(1e-6);
      }
    });
  }

  it("3x5 -> 7x11 equals torch's F.interpolate(bilinear, align_corners=False)", () => {
    // v[i, j] = 5 i + j^2 / 7; expected values printed by torch 1.13 in float64
    const src = Array.from({ length: 15 }, (_, k) => 5 * Math.floor(k / 5) + (k % 5) ** 2 / 7);
    const row0 = [0, 0.025974026, 0.0909090909, 0.1818181818, 0.3766233766, 0.5714285714, 0.8961038961, 1.2207792208, 1.6493506494, 2.1038961039, 2.2857142857];
    // the input is linear in i, so rows are row0 + 5 * (clamped source row)
    const rowShift = [0, 0.7142857143, 2.8571428571, 5, 7.1428571429, 9.2857142857, 10];
    const out = resizeBilinear(src, 1, 3, 5, 7, 11);
    const expected = rowShift.flatMap((s) => row0.map((v) => v + s));
    expect(maxAbsDiff(out, expected)).toBeLessThan(1e-6);
  });

  it("9x7 -> 4x3 (downsampling, no antialiasing) equals torch's F.interpolate", () => {
    const src = Array.from({ length: 63 }, (_, k) => ((k * 37) % 11) / 10);
    const expected = [0.6416666667, 0.475, 0.5833333333, 0.25, 0.725, 0.65, 0.3625, 0.8375, 0.6708333333, 0.5208333333, 0.8125, 0.4166666667];
    expect(maxAbsDiff(resizeBilinear(src, 1, 9, 7, 4, 3), expected)).toBeLessThan(1e-6);
  });
});

describe("smoothing filters (CF-CAM's 'gaussian' and 'bilateral' options)", () => {
  it('Gaussian: an impulse gives the normalised kernel exp(-d^2 / 2) (radius 3) in each direction; constants stay', () => {
    const src = new Float64Array(81);
    src[4 * 9 + 4] = 1;
    const out = gaussianFilter(src, 9, 9, 1);
    const k = [-3, -2, -1, 0, 1, 2, 3].map((d) => Math.exp(-(d * d) / 2));
    const ks = k.reduce((a, v) => a + v, 0);
    for (let y = 0; y < 9; y++) {
      for (let x = 0; x < 9; x++) {
        const dy = y - 4;
        const dx = x - 4;
        const expected = Math.abs(dy) <= 3 && Math.abs(dx) <= 3 ? (k[dy + 3] / ks) * (k[dx + 3] / ks) : 0;
        expect(out[y * 9 + x]).toBeCloseTo(expected, 7);
      }
    }
    expect(maxAbsDiff(gaussianFilter(new Float64Array(20).fill(0.3), 4, 5, 1.5), new Array(20).fill(0.3))).toBeLessThan(1e-7);
  });

  it('Gaussian borders replicate the edge pixel: a map constant along rows stays constant along rows', () => {
    // a ramp in y only, 3x3: the horizontal pass sees replicated equal values, the vertical
    // pass at the top row averages rows 0 (replicated above), 0, 1 ...
    const src = Float64Array.from({ length: 9 }, (_, i) => Math.floor(i / 3));
    const out = gaussianFilter(src, 3, 3, 1);
    for (let y = 0; y < 3; y++) expect(out[y * 3]).toBeCloseTo(out[y * 3 + 2], 7);
    // row 0 = sum over d of k[d] * row(clamp(d)) = (k(-3) + k(-2) + k(-1) + k(0)) * 0 + k(1) * 1 + (k(2) + k(3)) * 2
    const k = [-3, -2, -1, 0, 1, 2, 3].map((d) => Math.exp(-(d * d) / 2));
    const ks = k.reduce((a, v) => a + v, 0);
    expect(out[0]).toBeCloseTo((k[4] + 2 * (k[5] + k[6])) / ks, 6);
  });

  it('bilateral: a huge range sigma is the spatial Gaussian; a small one keeps a step edge', () => {
    const src = Float64Array.from({ length: 36 }, (_, i) => (i % 6 < 3 ? 0 : 1) + 0.01 * Math.sin(i));
    expect(maxAbsDiff(bilateralFilter(src, 6, 6, 1, 1e6), gaussianFilter(src, 6, 6, 1))).toBeLessThan(1e-6);
    const kept = bilateralFilter(src, 6, 6, 1, 0.05);
    for (let i = 0; i < 36; i++) expect(Math.abs(kept[i] - src[i])).toBeLessThan(0.02);
    // the Gaussian blurs the edge
    expect(Math.abs(gaussianFilter(src, 6, 6, 1)[2] - src[2])).toBeGreaterThan(0.1);
  });
});

