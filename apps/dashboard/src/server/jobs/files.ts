/**
 * A job's files - its upload, result images, maps (.npy), quantized models - kept in the blob
 * store under jobs/<job id>/<name> rather than in the job's row; the row holds their URLs.
 * Names come from the server (never from a request), ids are the jobs' UUIDs, and reading
 * checks both, so no request can name a key of its own.
 */
import type { BlobStore } from '../blobs/store.js';

/** What the runners may name a file: a short plain name with an extension. */
const FILE_NAME = /^[a-z0-9][a-z0-9._-]{0,63}\.[a-z0-9]{1,8}$/;
const JOB_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export const DOWNLOAD_PREFIX = '/api/jobs';

/**
 * A file name a runner may use, from words that say what the file holds (model, method,
 * query...): lower case, [a-z0-9.-] runs joined by '-', cut to fit FILE_NAME.
 */
export function jobFileName(parts: readonly string[], extension: string): string {
  const stem = parts
    .map((p) => p.toLowerCase().replace(/[^a-z0-9.]+/g, '-').replace(/^[-.]+|[-.]+$/g, ''))
    .filter(Boolean)
    .join('-')
    .slice(0, 64)
    .replace(/[-.]+$/, '');
  return `${stem || 'file'}.${extension}`;
}

/** The download URL of a job's file (served by handleDownload). */
export const fileUrl = (jobId: string, name: string): string => `${DOWNLOAD_PREFIX}/${jobId}/${name}`;

const keyOf = (jobId: string, name: string): string => `jobs/${jobId}/${name}`;

/** Keeps a job's file (a re-run replaces it) and returns its download URL. */
export async function saveJobFile(blobs: BlobStore, jobId: string, name: string, bytes: Uint8Array): Promise<string> {
  if (!JOB_ID.test(jobId) || !FILE_NAME.test(name)) throw new Error(`bad job file ${jobId}/${name}`);
  await blobs.put(keyOf(jobId, name), bytes);
  return fileUrl(jobId, name);
}

/** The job id and file name of a download URL (/api/jobs/<id>/<name>), or undefined when it is not one the server could have made. */
export function parseFileUrl(url: string): { jobId: string; name: string } | undefined {
  if (!url.startsWith(`${DOWNLOAD_PREFIX}/`)) return undefined;
  const parts = url.slice(DOWNLOAD_PREFIX.length).split('/').filter(Boolean);
  return parts.length === 2 && JOB_ID.test(parts[0]) && FILE_NAME.test(parts[1]) ? { jobId: parts[0], name: parts[1] } : undefined;
}

/** A job's file by its URL, or undefined when the URL is not one the server could have made, or the file does not exist. */
export async function readJobFile(blobs: BlobStore, url: string): Promise<Uint8Array | undefined> {
  const f = parseFileUrl(url);
  return f ? blobs.get(keyOf(f.jobId, f.name)) : undefined;
}

export async function removeJobFiles(blobs: BlobStore, jobId: string): Promise<void> {
  if (JOB_ID.test(jobId)) await blobs.removeAll(`jobs/${jobId}`);
}

const TYPES: Readonly<Record<string, string>> = { onnx: 'application/octet-stream', npy: 'application/octet-stream', png: 'image/png', jpeg: 'image/jpeg', json: 'application/json', csv: 'text/csv; charset=utf-8' };

/** GET /api/jobs/<id>/<name>: the file as an attachment, 404 otherwise. */
export async function downloadResponse(blobs: BlobStore, pathname: string): Promise<Response> {
  const bytes = await readJobFile(blobs, pathname);
  if (!bytes) return Response.json({ error: { message: `no such file: ${pathname}` } }, { status: 404 });
  const name = pathname.split('/').pop() ?? '';
  const ext = name.split('.').pop() ?? '';
  return new Response(bytes, { headers: { 'content-type': TYPES[ext] ?? 'application/octet-stream', 'content-disposition': `attachment; filename="${name}"`, 'content-length': String(bytes.length) } });
}
