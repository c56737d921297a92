/** Conversion of a scene's CHW float image to interleaved 8-bit RGBA, the layout PNG writers take. */
import type { Scene } from './scene-types.js';

export function toRGBA8(scene: Pick<Scene, 'image' | 'width' | 'height'>): Uint8ClampedArray {
  const { image, width, height } = scene;
  const plane = width * height;
  const out = new Uint8ClampedArray(plane * 4);
  for (let i = 0; i < plane; i++) {
    // Uint8ClampedArray rounds half to even and clamps, so [0, 1] maps exactly onto 0..255.
    out[4 * i] = image[i] * 255;
    out[4 * i + 1] = image[plane + i] * 255;
    out[4 * i + 2] = image[2 * plane + i] * 255;
    out[4 * i + 3] = 255;
  }
  return out;
}
