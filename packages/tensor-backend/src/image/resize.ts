import { checkImage, checkPlane, type MapPlane, type RgbImage } from './types.js';

/**
 * Bilinear resizing. By default with half-pixel centres: output pixel x samples the input at
 * (x + 0.5) * inW / outW - 0.5, clamped to the edge. This is torch's
 * `interpolate(mode='bilinear', align_corners=False)` and OpenCV's INTER_LINEAR (which
 * pytorch-grad-cam uses for its maps), so upsampled maps match theirs to float rounding.
 * `'align-corners'` samples at x * (inW - 1) / (outW - 1): the corner pixels of input and
 * output coincide (torch's `align_corners=True`, `nn.UpsamplingBilinear2d`, which
 * pytorch-grad-cam's Score-CAM uses for its masks).
 */

/** Where output pixels sample the input: see above. */
export type ResizeAlignment = 'half-pixel' | 'align-corners';

interface Taps {
  readonly lo: Int32Array;
  readonly hi: Int32Array;
  readonly w: Float32Array;
}

function taps(inSize: number, outSize: number, align: ResizeAlignment): Taps {
  const lo = new Int32Array(outSize);
  const hi = new Int32Array(outSize);
  const w = new Float32Array(outSize);
  const scale = align === 'align-corners' ? (outSize > 1 ? (inSize - 1) / (outSize - 1) : 0) : inSize / outSize;
  for (let x = 0; x < outSize; x++) {
    const src = align === 'align-corners' ? x * scale : Math.max(0, (x + 0.5) * scale - 0.5);
    const i = Math.min(Math.floor(src), inSize - 1);
    lo[x] = i;
    hi[x] = Math.min(i + 1, inSize - 1);
    w[x] = src - i;
  }
  return { lo, hi, w };
}

/** Resizes `planes` maps of [inH, inW] (consecutive in `src`) to [outH, outW]. */
export function resizeBilinear(src: ArrayLike<number>, planes: number, inH: number, inW: number, outH: number, outW: number, align: ResizeAlignment = 'half-pixel'): Float32Array {
  const out = new Float32Array(planes * outH * outW);
  if (inH === outH && inW === outW) {
    for (let i = 0; i < out.length; i++) out[i] = src[i];
    return out;
  }
  const ty = taps(inH, outH, align);
  const tx = taps(inW, outW, align);
  for (let p = 0; p < planes; p++) {
    const base = p * inH * inW;
    const ob = p * outH * outW;
    for (let y = 0; y < outH; y++) {
      const r0 = base + ty.lo[y] * inW;
      const r1 = base + ty.hi[y] * inW;
      const wy = ty.w[y];
      for (let x = 0; x < outW; x++) {
        const [x0, x1, wx] = [tx.lo[x], tx.hi[x], tx.w[x]];
        const top = src[r0 + x0] + (src[r0 + x1] - src[r0 + x0]) * wx;
        const bottom = src[r1 + x0] + (src[r1 + x1] - src[r1 + x0]) * wx;
        out[ob + y * outW + x] = top + (bottom - top) * wy;
      }
    }
  }
  return out;
}

/** Bilinear resize of an RGB image (half-pixel centres, as the maps are upsampled), rounded to bytes. */
export function resizeRGB(image: RgbImage, width: number, height: number): RgbImage {
  checkImage(image, 'image');
  if (image.width === width && image.height === height) return image;
  const n = image.width * image.height;
  const planes = new Float32Array(3 * n);
  for (let p = 0; p < n; p++) for (let c = 0; c < 3; c++) planes[c * n + p] = image.data[p * 3 + c];
  const out = resizeBilinear(planes, 3, image.height, image.width, height, width);
  const m = width * height;
  const data = new Uint8Array(m * 3);
  for (let p = 0; p < m; p++) for (let c = 0; c < 3; c++) data[p * 3 + c] = Math.round(out[c * m + p]);
  return { width, height, data };
}

/** A map plane resized to width x height (bilinear). */
export function resizeMap(map: MapPlane, width: number, height: number): MapPlane {
  checkPlane(map);
  if (map.width === width && map.height === height) return map;
  return { width, height, data: resizeBilinear(map.data, 1, map.height, map.width, height, width) };
}

/**
 * The part of a [height, width] map inside a normalised region [x0, y0, x1, y1] (whole pixels:
 * the region's edges rounded to the nearest), e.g. a map over a padded model input cut back
 * to the picture.
 */
export function cropMap(map: MapPlane, region: readonly [number, number, number, number]): MapPlane {
  checkPlane(map);
  const [c0, r0] = [Math.round(region[0] * map.width), Math.round(region[1] * map.height)];
  const [c1, r1] = [Math.round(region[2] * map.width), Math.round(region[3] * map.height)];
  const width = Math.max(1, Math.min(map.width, c1) - c0);
  const height = Math.max(1, Math.min(map.height, r1) - r0);
  if (width === map.width && height === map.height) return map;
  const data = new Float32Array(width * height);
  for (let r = 0; r < height; r++) for (let c = 0; c < width; c++) data[r * width + c] = map.data[(r0 + r) * map.width + c0 + c];
  return { width, height, data };
}
