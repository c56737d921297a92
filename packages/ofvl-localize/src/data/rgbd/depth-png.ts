/**
 * 16-bit depth PNGs (7-Scenes, 12-Scenes: millimetres, one channel). tensor-backend's image
 * codec always decodes to 8-bit RGB, so this reads through sharp directly (the one image
 * library in the repo), loaded once through tensor-backend's loadSharp.
 */
import { existsSync } from 'node:fs';
import { firstLine, GradlocError, loadSharp } from '@gradloc/tensor-backend';

export interface DepthImage16 {
  readonly width: number;
  readonly height: number;
  /** Raw values, row-major [height, width]. */
  readonly data: Uint16Array;
}


/** Reads a one-channel 16-bit PNG; anything else (8-bit, colour, not a PNG) is a BAD_INPUT naming the file. */
export async function readDepthPNG(path: string): Promise<DepthImage16> {
  if (!existsSync(path)) throw new GradlocError('FILE_NOT_FOUND', `depth image ${path} does not exist`);
  const sharp = await loadSharp();
  let meta;
  try {
    meta = await sharp(path).metadata();
  } catch (e) {
    throw new GradlocError('BAD_INPUT', `depth image ${path} is not an image (${firstLine(e)})`, { cause: e });
  }
  if (meta.format !== 'png' || meta.depth !== 'ushort' || meta.channels !== 1) {
    throw new GradlocError('BAD_INPUT', `depth image ${path} is a ${meta.channels ?? '?'}-channel ${meta.depth ?? '?'} ${meta.format ?? '?'}; expected a 1-channel 16-bit PNG`);
  }
  try {
    // grey16 keeps the 16-bit values; sharp would otherwise convert to 8-bit sRGB
    const { data, info } = await sharp(path).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true });
    const values = new Uint16Array(info.width * info.height);
    const view = new DataView(data.buffer, data.byteOffset, data.byteLength);
    for (let i = 0; i < values.length; i++) values[i] = view.getUint16(2 * i, true);
    return { width: info.width, height: info.height, data: values };
  } catch (e) {
    throw new GradlocError('BAD_INPUT', `depth image ${path} is damaged (${firstLine(e)})`, { cause: e });
  }
}

/** Writes a one-channel 16-bit PNG (test fixtures, exports). */
export async function writeDepthPNG(path: string, image: DepthImage16): Promise<void> {
  const sharp = await loadSharp();
  await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 1 } }).toColourspace('grey16').png().toFile(path);
}
