/**
 * sRGB -> CIELAB (D65 white, 2 degree observer), the colour space SLIC clusters in: Euclidean
 * distances there roughly follow perceived colour differences.
 *
 * 1. sRGB decoding (IEC 61966-2-1): c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055)^2.4.
 * 2. Linear RGB -> XYZ with the sRGB primaries' D65 matrix.
 * 3. XYZ -> L*a*b* relative to the D65 white (Xn, Yn, Zn) = (0.95047, 1, 1.08883):
 *    f(t) = t^(1/3) if t > (6/29)^3 else t / (3 (6/29)^2) + 4/29;
 *    L = 116 f(Y/Yn) - 16, a = 500 (f(X/Xn) - f(Y/Yn)), b = 200 (f(Y/Yn) - f(Z/Zn)).
 */

const XN = 0.95047;
const ZN = 1.08883;
const EPS = (6 / 29) ** 3;
const LIN_SLOPE = 1 / (3 * (6 / 29) ** 2);

function decode(c: number): number {
  const v = c > 0 ? (c < 1 ? c : 1) : 0; // also maps NaN to 0
  return v <= 0.04045 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4);
}

function f(t: number): number {
  return t > EPS ? Math.cbrt(t) : t * LIN_SLOPE + 4 / 29;
}

/** Writes L*, a*, b* of one sRGB colour (components in [0, 1], clamped; NaN read as 0) into `out`. */
function labInto(r: number, g: number, b: number, out: { 0: number; 1: number; 2: number }): void {
  const R = decode(r);
  const G = decode(g);
  const B = decode(b);
  const X = 0.4124564 * R + 0.3575761 * G + 0.1804375 * B;
  const Y = 0.2126729 * R + 0.7151522 * G + 0.072175 * B;
  const Z = 0.0193339 * R + 0.119192 * G + 0.9503041 * B;
  const fx = f(X / XN);
  const fy = f(Y);
  const fz = f(Z / ZN);
  out[0] = 116 * fy - 16;
  out[1] = 500 * (fx - fy);
  out[2] = 200 * (fy - fz);
}

/** CIELAB [L*, a*, b*] of one sRGB colour with components in [0, 1] (clamped). */
export function srgbToLab(r: number, g: number, b: number): [number, number, number] {
  const out: [number, number, number] = [0, 0, 0];
  labInto(r, g, b, out);
  return out;
}

/** Planar CIELAB of an RGB image: three `height * width` row-major planes. */
export interface LabImage {
  readonly l: Float32Array;
  readonly a: Float32Array;
  readonly b: Float32Array;
}

/**
 * Converts an RGB image in [0, 1] (CHW `[3, H, W]` by default, or HWC `[H, W, 3]`) to planar CIELAB.
 */
export function imageToLab(image: ArrayLike<number>, height: number, width: number, layout: 'chw' | 'hwc' = 'chw'): LabImage {
  const n = height * width;
  if (image.length !== 3 * n) throw new Error(`imageToLab: ${image.length} values for a 3x${height}x${width} image`);
  const l = new Float32Array(n);
  const a = new Float32Array(n);
  const b = new Float32Array(n);
  const px: [number, number, number] = [0, 0, 0];
  for (let i = 0; i < n; i++) {
    if (layout === 'chw') labInto(image[i], image[n + i], image[2 * n + i], px);
    else labInto(image[3 * i], image[3 * i + 1], image[3 * i + 2], px);
    l[i] = px[0];
    a[i] = px[1];
    b[i] = px[2];
  }
  return { l, a, b };
}
