/** CF-CAM's own smoothing of a cluster's mean gradient map (cf-cam.ts step 3). */

/**
 * The smoothing CF-CAM's authors apply to a cluster's mean gradient (cfcam.py calls it a
 * bilateral filter, but it is not one): ONE kernel the size of the whole h x w map,
 *
 *   k(i, j) = exp(-((i - h/2)^2 + (j - w/2)^2) / 2 sigmaSpace^2)
 *           * exp(-(g(i, j) - mean g)^2 / 2 sigmaRange^2),
 *
 * normalised by (sum k + 1e-6), then cross-correlated with the map itself, zero-padded to keep
 * the size (torch's `padding='same'`: floor((h - 1) / 2) rows above, the rest below; likewise
 * for columns). The "range" factor is read at the kernel's own position, so it does not depend
 * on the output pixel: it is a fixed, data-dependent blur, not edge-preserving. Note that the
 * spatial centre (h/2, w/2) is half a pixel off the middle pixel of an odd-sized map, as in the
 * authors' code.
 */
export function cfcamFilter(src: ArrayLike<number>, h: number, w: number, sigmaSpace: number, sigmaRange: number): Float32Array {
  const n = h * w;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += src[i] / n;
  const kernel = new Float64Array(n);
  let sum = 0;
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      const spatial = Math.exp(-((i - h / 2) ** 2 + (j - w / 2) ** 2) / (2 * sigmaSpace * sigmaSpace));
      const range = Math.exp(-((src[i * w + j] - mean) ** 2) / (2 * sigmaRange * sigmaRange));
      sum += kernel[i * w + j] = spatial * range;
    }
  }
  for (let i = 0; i < n; i++) kernel[i] /= sum + 1e-6;
  const top = Math.floor((h - 1) / 2);
  const left = Math.floor((w - 1) / 2);
  const out = new Float32Array(n);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let i = 0; i < h; i++) {
        const sy = y + i - top;
        if (sy < 0 || sy >= h) continue;
        for (let j = 0; j < w; j++) {
          const sx = x + j - left;
          if (sx >= 0 && sx < w) s += kernel[i * w + j] * src[sy * w + sx];
        }
      }
      out[y * w + x] = s;
    }
  }
  return out;
}
