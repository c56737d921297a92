/**
 * Smoothing of one [h, w] map (VPS's blur baseline, ROAD's substrate, CF-CAM's cluster
 * gradients). Both filters replicate the edge pixel at borders and truncate their kernels at
 * 3 sigma (radius at least 1), normalised to sum to one.
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
