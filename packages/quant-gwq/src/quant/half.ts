/**
 * IEEE 754 half precision (binary16) conversion. Node 20 has neither Math.f16round nor
 * Float16Array, so outlier values and scales are rounded here, bit-exactly as onnxruntime's
 * Cast(float -> float16) does: round to nearest, ties to even; overflow to infinity.
 */
const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** Float -> binary16 bit pattern. The input is first rounded to float32 (what a stored float32 tensor holds). */
export function toHalfBits(x: number): number {
  f32[0] = x;
  const bits = u32[0];
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  let mant = bits & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 : 0); // inf / NaN
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00; // overflow
  if (e <= 0) {
    // subnormal half (or zero): shift the mantissa with its implicit 1 into place
    if (e < -10) return sign;
    mant |= 0x800000;
    const shift = 14 - e;
    const half = mant >>> shift;
    const rest = mant & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rest > mid || (rest === mid && half & 1) ? 1 : 0));
  }
  const half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // a carry out of the mantissa correctly bumps the exponent (up to infinity)
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && half & 1) ? 1 : 0));
}

/** binary16 bit pattern -> float. */
export function fromHalfBits(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >>> 10) & 0x1f;
  const mant = h & 0x3ff;
  if (exp === 0) return sign * mant * 2 ** -24;
  if (exp === 0x1f) return mant ? NaN : sign * Infinity;
  return sign * (1 + mant / 1024) * 2 ** (exp - 15);
}

/** The nearest binary16 value, as a float. */
export const roundHalf = (x: number): number => fromHalfBits(toHalfBits(x));
