/**
 * A job's uploaded image, kept in the blob store as the job's file `upload.png` / `upload.jpeg`
 * (the file as sent, not re-encoded), so the row's input holds its URL instead of megabytes
 * of base64. The runner reads it back under the same checks the procedure applied.
 */
import type { Services } from '../services/index.js';
import { decodeUpload, decodeUploadBytes, type DecodedUpload } from '../services/uploads.js';
import { parseFileUrl, readJobFile, saveJobFile } from './files.js';
import type { RgbImage } from '@gradloc/tensor-backend';

const limitsOf = (s: Services) => ({ maxBytes: s.env.maxUploadBytes, maxPixels: s.env.maxPixels });

/** Checks an upload (as grounding.detect does) before a job is queued. */
export const checkUpload = (services: Services, text: string): Promise<DecodedUpload> => decodeUpload(text, limitsOf(services));

/** Keeps job `jobId`'s decoded upload; returns the URL its input stores. */
export const keepUpload = (services: Services, jobId: string, upload: DecodedUpload): Promise<string> =>
  saveJobFile(services.blobs, jobId, `upload.${upload.format}`, upload.bytes);

/** The image a job's input names: its kept upload, or inline base64 (rows queued before uploads were kept as files). */
export async function jobUpload(services: Services, image: string): Promise<RgbImage> {
  if (!parseFileUrl(image)) return (await decodeUpload(image, limitsOf(services))).image;
  const bytes = await readJobFile(services.blobs, image);
  if (!bytes) throw new Error(`the job's upload ${image} is gone from the blob store`);
  return (await decodeUploadBytes(bytes, limitsOf(services))).image;
}
