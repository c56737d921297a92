/**
 * Smoothing of one [h, w] map (CF-CAM smooths each cluster's mean gradient). The Gaussian and
 * bilateral filters replicate the edge pixel at borders and truncate their kernels at 3 sigma
 * (radius at least 1), normalised to sum to one; `cfcamFilter` is the CF-CAM authors' own
 * whole-map kernel (see there).
 */

const clampIndex = (i: number, n: number): number => (i < 0 ? 0 : i >= n ? n - 1 : i);

function gaussianKernel(sigma: number): Float64Array {
  const r = Math.max(1, Math.ceil(3 * sigma));
  const k = new Float64Array(2 * r + 1);
  let s = 0;
  for (let i = -r; i <= r; i++) s += k[i + r] = Math.exp(-(i * i) / (2 * sigma * sigma));
  return k.map((v) => v / s);
}

/** Separable Gaussian blur. */
export function gaussianFilter(src: ArrayLike<number>, h: number, w: number, sigma: number): Float32Array {
  const k = gaussianKernel(sigma);
  const r = (k.length - 1) / 2;
  const tmp = new Float64Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let i = -r; i <= r; i++) s += k[i + r] * src[y * w + clampIndex(x + i, w)];
      tmp[y * w + x] = s;
    }
  }
  const out = new Float32Array(h * w);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      let s = 0;
      for (let i = -r; i <= r; i++) s += k[i + r] * tmp[clampIndex(y + i, h) * w + x];
      out[y * w + x] = s;
    }
  }
  return out;
}

/**
 * Bilateral filter (Tomasi & Manduchi 1998): weights exp(-d^2 / 2 sigmaSpace^2) *
 * exp(-(v - v0)^2 / 2 sigmaRange^2), so large jumps between regions are kept.
 */
export function bilateralFilter(src: ArrayLike<number>, h: number, w: number, sigmaSpace: number, sigmaRange: number): Float32Array {
  const r = Math.max(1, Math.ceil(3 * sigmaSpace));
  const out = new Float32Array(h * w);
  const range = sigmaRange > 0 ? sigmaRange : 1e-12;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v0 = src[y * w + x];
      let s = 0;
      let norm = 0;
      for (let dy = -r; dy <= r; dy++) {
        for (let dx = -r; dx <= r; dx++) {
          const v = src[clampIndex(y + dy, h) * w + clampIndex(x + dx, w)];
          const wgt = Math.exp(-(dx * dx + dy * dy) / (2 * sigmaSpace * sigmaSpace) - ((v - v0) * (v - v0)) / (2 * range * range));
          s += wgt * v;
          norm += wgt;
        }
      }
      out[y * w + x] = s / norm;
    }
  }
  return out;
}

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
