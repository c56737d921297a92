/**
 * Pictures named on the command line: read, then decoded by tensor-backend's image module
 * under the pixel limit the dashboard applies to uploads (checked from the header), so a
 * picture the dashboard refuses is refused here too, in the same words.
 */
import { readFileSync } from 'node:fs';
import { decodeImage, DEFAULT_MAX_PIXELS, GradlocError, type RgbImage } from '@gradloc/tensor-backend';

export async function readPicture(path: string, flag = '--image'): Promise<RgbImage> {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch {
    throw new GradlocError('FILE_NOT_FOUND', `${flag}: cannot read ${path}`);
  }
  return decodeImage(bytes, `${flag} ${path}`, { maxPixels: DEFAULT_MAX_PIXELS });
}
