/**
 * Bringing frames and images to the network's input size. A frame of another resolution but
 * the same aspect ratio (7-Scenes' 640x480 for a 160x120 network) is resized, with the
 * intrinsics scaled to match; another aspect ratio is refused, since stretching would change
 * the camera the network was trained for.
 */
import { GradlocError, resizeRGB, type RgbImage } from '@gradloc/tensor-backend';
import type { Frame } from './frame.js';
import { scaleIntrinsics } from './rgbd/camera.js';

/** Aspect ratios closer than this count as equal (rounding of odd sizes). */
const ASPECT_TOLERANCE = 0.01;

export function checkAspect(width: number, height: number, targetWidth: number, targetHeight: number, what: string): void {
  if (Math.abs((width / height) / (targetWidth / targetHeight) - 1) > ASPECT_TOLERANCE) {
    throw new GradlocError('BAD_INPUT', `${what} is ${width}x${height}; the model takes ${targetWidth}x${targetHeight} (or any size of that aspect ratio, which is resized)`);
  }
}

/** An image at the model's size: as is, or resized when only the resolution differs. */
export function fitImage(image: RgbImage, width: number, height: number, what = 'image'): RgbImage {
  if (image.width === width && image.height === height) return image;
  checkAspect(image.width, image.height, width, height, what);
  return resizeRGB(image, width, height);
}

/** A frame at the model's size: image resized, depth and coords sampled at the nearest source pixel. */
export function fitFrame(frame: Frame, width: number, height: number): Frame {
  const { image } = frame;
  if (image.width === width && image.height === height) return frame;
  const fitted = fitImage(image, width, height, `frame ${frame.scene}/${frame.split}/${frame.index}`);
  const depth = new Float32Array(width * height);
  const coords = new Float32Array(width * height * 3);
  for (let v = 0; v < height; v++) {
    const sv = Math.min(image.height - 1, Math.round(((v + 0.5) * image.height) / height - 0.5));
    for (let u = 0; u < width; u++) {
      const su = Math.min(image.width - 1, Math.round(((u + 0.5) * image.width) / width - 0.5));
      const s = sv * image.width + su;
      const d = v * width + u;
      depth[d] = frame.depth[s];
      coords.set(frame.coords.subarray(s * 3, s * 3 + 3), d * 3);
    }
  }
  return { ...frame, image: fitted, depth, coords, intrinsics: scaleIntrinsics(frame.intrinsics, width, height) };
}
