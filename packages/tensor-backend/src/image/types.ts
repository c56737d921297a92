/** Images and maps as the image module passes them around. */
import { GradlocError } from '../errors.js';

/** An 8-bit RGB image, row-major [height, width, 3]. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** One map plane [height, width], values meant to lie in [0, 1] (a CamResult item). */
export interface MapPlane {
  readonly width: number;
  readonly height: number;
  readonly data: ArrayLike<number>;
}

export function checkImage(image: RgbImage, what: string): void {
  if (!(image.width > 0 && image.height > 0) || image.data.length !== image.width * image.height * 3) {
    throw new GradlocError('BAD_INPUT', `${what}: ${image.data.length} bytes do not make a ${image.width}x${image.height} RGB image`);
  }
}

export function checkPlane(map: MapPlane): void {
  if (!(map.width > 0 && map.height > 0) || map.data.length !== map.width * map.height) {
    throw new GradlocError('BAD_INPUT', `map has ${map.data.length} values, not ${map.height}x${map.width}`);
  }
}
