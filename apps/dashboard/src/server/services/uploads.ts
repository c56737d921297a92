/**
 * Uploaded images: base64 or a data URL of a PNG or JPEG. The byte limit is checked on the
 * text before decoding it, the type is sniffed from the bytes by sharp (a data URL's declared
 * type is not trusted), and the pixel limit is checked from the header before any pixels are
 * decoded. Every refusal is a BAD_INPUT with a message a user can act on.
 */
import sharp from 'sharp';
import { GradlocError } from '@gradloc/tensor-backend';
import { decodeImageRGB, encodePNG, type RgbImage } from '@gradloc/cam-explain';

export interface UploadLimits {
  readonly maxBytes: number;
  readonly maxPixels: number;
}

const DATA_URL = /^data:([\w.+-]+\/[\w.+-]+)?(;[\w-]+=[\w.-]+)*;base64,/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const ACCEPTED = new Set(['png', 'jpeg']);
const mb = (n: number): string => `${(n / 1024 / 1024).toFixed(n < 1024 * 1024 ? 2 : 1)} MB`;

function bytesOf(text: string, limits: UploadLimits): Buffer {
  const body = text.replace(DATA_URL, '').replace(/\s+/g, '');
  if (body.length === 0) throw new GradlocError('BAD_INPUT', 'the image is empty');
  // 4 base64 characters carry 3 bytes: refuse before allocating anything
  const approx = Math.floor((body.length * 3) / 4);
  if (approx > limits.maxBytes + 2) throw new GradlocError('BAD_INPUT', `the image is ${mb(approx)}; the limit is ${mb(limits.maxBytes)}`);
  if (!BASE64.test(body)) throw new GradlocError('BAD_INPUT', 'the image must be base64 or a data: URL (data:image/png;base64,...)');
  const bytes = Buffer.from(body, 'base64');
  if (bytes.length > limits.maxBytes) throw new GradlocError('BAD_INPUT', `the image is ${mb(bytes.length)}; the limit is ${mb(limits.maxBytes)}`);
  return bytes;
}

export interface DecodedUpload {
  readonly image: RgbImage;
  readonly format: 'png' | 'jpeg';
}

export async function decodeUpload(text: string, limits: UploadLimits): Promise<DecodedUpload> {
  const bytes = bytesOf(text, limits);
  let format: string | undefined;
  let width = 0;
  let height = 0;
  try {
    const meta = await sharp(bytes, { limitInputPixels: false }).metadata();
    format = meta.format;
    width = meta.width ?? 0;
    height = meta.height ?? 0;
  } catch {
    throw new GradlocError('BAD_INPUT', 'the upload is not an image (expected a PNG or JPEG file)');
  }
  if (!format || !ACCEPTED.has(format)) throw new GradlocError('BAD_INPUT', `the upload is a ${format ?? 'unknown'} file; upload a PNG or JPEG`);
  if (width < 1 || height < 1) throw new GradlocError('BAD_INPUT', 'the image has no pixels');
  if (width * height > limits.maxPixels) {
    throw new GradlocError('BAD_INPUT', `the image is ${width}x${height} = ${width * height} pixels; the limit is ${limits.maxPixels} pixels`);
  }
  // the header passed the limits, so decoding is bounded
  return { image: await decodeImageRGB(bytes, `the ${format.toUpperCase()} file`), format: format as 'png' | 'jpeg' };
}

export async function pngDataUrl(image: RgbImage): Promise<string> {
  return `data:image/png;base64,${Buffer.from(await encodePNG(image)).toString('base64')}`;
}
