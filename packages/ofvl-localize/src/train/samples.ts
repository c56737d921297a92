/**
 * Frames as the network sees them: the image as normalised planes, and the target scene
 * coordinates at each output cell's centre pixel with a validity mask.
 */
import type { RgbImage } from '@gradloc/tensor-backend';
import { cellPixel, gridOf, type NetworkSpec } from '../model/config.js';
import type { Frame } from '../data/frame.js';
import { fitFrame } from '../data/fit.js';

/** One training frame, compact: 8-bit image, targets per cell. */
export interface Sample {
  readonly image: RgbImage;
  /** [3, rows, cols] metres; 0 where invalid. */
  readonly target: Float32Array;
  /** [rows, cols]: 1 valid, 0 not. */
  readonly mask: Float32Array;
}

export function sampleOf(frame: Frame, spec: NetworkSpec): Sample {
  const f = fitFrame(frame, spec.width, spec.height);
  const { rows, cols, stride } = gridOf(spec);
  const target = new Float32Array(3 * rows * cols);
  const mask = new Float32Array(rows * cols);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const p = (cellPixel(stride, i) * spec.width + cellPixel(stride, j)) * 3;
      const [x, y, z] = [f.coords[p], f.coords[p + 1], f.coords[p + 2]];
      if (!(Number.isFinite(x) && Number.isFinite(y) && Number.isFinite(z))) continue;
      const c = i * cols + j;
      target[c] = x;
      target[rows * cols + c] = y;
      target[2 * rows * cols + c] = z;
      mask[c] = 1;
    }
  }
  return { image: f.image, target, mask };
}

/**
 * Writes an image into `out` at `offset` as [3, H, W] planes in [-1, 1] (UFVL-Net's
 * img / 255 * 2 - 1), with `brightness` (8-bit levels) added first and clamped.
 */
export function writePlanes(image: RgbImage, out: Float32Array, offset: number, brightness = 0): void {
  const n = image.width * image.height;
  const d = image.data;
  for (let p = 0; p < n; p++) {
    for (let c = 0; c < 3; c++) {
      const v = Math.min(255, Math.max(0, d[p * 3 + c] + brightness));
      out[offset + c * n + p] = v / 127.5 - 1;
    }
  }
}

/** Mean valid target over samples (a scene's centre, where its head's coordinate bias starts); null when none is valid. */
export function meanTarget(samples: Iterable<Sample>): [number, number, number] | null {
  const sum = [0, 0, 0];
  let n = 0;
  for (const s of samples) {
    const cells = s.mask.length;
    for (let c = 0; c < cells; c++) {
      if (!s.mask[c]) continue;
      for (let k = 0; k < 3; k++) sum[k] += s.target[k * cells + c];
      n++;
    }
  }
  return n ? [sum[0] / n, sum[1] / n, sum[2] / n] : null;
}
