/** Conversion of a scene's CHW float image to interleaved 8-bit RGB(A), the layouts image writers take. */
import type { Scene } from './scene-types.js';

function interleave(scene: Pick<Scene, 'image' | 'width' | 'height'>, channels: 3 | 4): Uint8ClampedArray {
  const { image, width, height } = scene;
  const plane = width * height;
  const out = new Uint8ClampedArray(plane * channels);
  for (let i = 0; i < plane; i++) {
    // Uint8ClampedArray rounds half to even and clamps, so [0, 1] maps exactly onto 0..255.
    out[channels * i] = image[i] * 255;
    out[channels * i + 1] = image[plane + i] * 255;
    out[channels * i + 2] = image[2 * plane + i] * 255;
    if (channels === 4) out[4 * i + 3] = 255;
  }
  return out;
}

export const toRGBA8 = (scene: Pick<Scene, 'image' | 'width' | 'height'>): Uint8ClampedArray => interleave(scene, 4);

/** Interleaved RGB, e.g. for cam-explain's RgbImage. */
export const toRGB8 = (scene: Pick<Scene, 'image' | 'width' | 'height'>): Uint8Array => {
  const c = interleave(scene, 3);
  return new Uint8Array(c.buffer, c.byteOffset, c.length);
};
