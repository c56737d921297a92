/** Post-processing shared by every map: ReLU and min-max scaling to [0, 1]. */

/** In place: max(0, x). */
export function relu(a: Float32Array): Float32Array {
  for (let i = 0; i < a.length; i++) if (!(a[i] > 0)) a[i] = 0;
  return a;
}

/**
 * In place, per consecutive plane of `size` values: (x - min) / (max - min + eps), the
 * epsilon as in pytorch-grad-cam (1e-7 for maps, 1e-8 for Score-CAM's masks), so a constant
 * map becomes all zeros rather than NaN.
 */
export function minMaxNormalize(a: Float32Array, size = a.length, eps = 1e-7): Float32Array {
  for (let start = 0; start < a.length; start += size) {
    let lo = Infinity;
    let hi = -Infinity;
    for (let i = start; i < start + size; i++) {
      lo = Math.min(lo, a[i]);
      hi = Math.max(hi, a[i]);
    }
    const scale = 1 / (hi - lo + eps);
    for (let i = start; i < start + size; i++) a[i] = (a[i] - lo) * scale;
  }
  return a;
}

/** In place, per plane of `size` values: x / max (all zeros stay zeros). */
export function divideByMax(a: Float32Array, size = a.length): Float32Array {
  for (let start = 0; start < a.length; start += size) {
    let hi = 0;
    for (let i = start; i < start + size; i++) hi = Math.max(hi, a[i]);
    if (hi > 0) for (let i = start; i < start + size; i++) a[i] /= hi;
  }
  return a;
}
