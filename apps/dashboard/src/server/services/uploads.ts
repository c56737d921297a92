/**
 * Uploaded images: base64 or a data URL of a PNG or JPEG. The byte limit is checked on the
 * text before decoding it; the image module (tensor-backend's decodeImage, also behind the
 * CLI's --image) sniffs the type from the bytes (a data URL's declared type is not trusted)
 * and checks the pixel limit from the header before any pixels are decoded. Every refusal is
 * a BAD_INPUT with a message a user can act on.
 */
import { decodeImage, encodePNG, GradlocError, type RgbImage } from '@gradloc/tensor-backend';

export interface UploadLimits {
  readonly maxBytes: number;
  readonly maxPixels: number;
}

const DATA_URL = /^data:([\w.+-]+\/[\w.+-]+)?(;[\w-]+=[\w.-]+)*;base64,/;
const BASE64 = /^[A-Za-z0-9+/]*={0,2}$/;
const ACCEPTED = ['png', 'jpeg'];
/** A byte count in MiB (1024² bytes, as the dashboard writes every size), for messages. */
export const mib = (n: number, digits = n < 1024 * 1024 ? 2 : 1): string => `${(n / 1024 / 1024).toFixed(digits)} MiB`;

function bytesOf(text: string, limits: UploadLimits): Buffer {
  const body = text.replace(DATA_URL, '').replace(/\s+/g, '');
  if (body.length === 0) throw new GradlocError('BAD_INPUT', 'the image is empty');
  // 4 base64 characters carry 3 bytes: refuse before allocating anything
  const approx = Math.floor((body.length * 3) / 4);
  if (approx > limits.maxBytes + 2) throw new GradlocError('BAD_INPUT', `the image is ${mib(approx)}; the limit is ${mib(limits.maxBytes)}`);
  if (!BASE64.test(body)) throw new GradlocError('BAD_INPUT', 'the image must be base64 or a data: URL (data:image/png;base64,...)');
  return Buffer.from(body, 'base64'); // its exact size is checked by decodeUploadBytes
}

export interface DecodedUpload {
  readonly image: RgbImage;
  readonly format: 'png' | 'jpeg';
  /** The file as uploaded. */
  readonly bytes: Uint8Array;
}

/** The upload decoded by the image module (format sniffed from the bytes, pixels checked from the header). */
export function decodeUpload(text: string, limits: UploadLimits): Promise<DecodedUpload> {
  return decodeUploadBytes(bytesOf(text, limits), limits);
}

/** An upload's file (as kept by a job) decoded under the same checks. */
export async function decodeUploadBytes(bytes: Uint8Array, limits: UploadLimits): Promise<DecodedUpload> {
  if (bytes.length > limits.maxBytes) throw new GradlocError('BAD_INPUT', `the image is ${mib(bytes.length)}; the limit is ${mib(limits.maxBytes)}`);
  const image = await decodeImage(bytes, 'the upload', { maxPixels: limits.maxPixels, formats: ACCEPTED });
  return { image, format: image.format as DecodedUpload['format'], bytes };
}

export async function pngDataUrl(image: RgbImage): Promise<string> {
  return `data:image/png;base64,${Buffer.from(await encodePNG(image)).toString('base64')}`;
}
