/**
 * Files a job produces for download (a quantized model, a map as .npy), kept on disk under
 * <GRADLOC_DATA_DIR>/jobs/<job id>/ rather than in the job's row; the row's result holds their
 * URLs. Names come from the runners (never from a request), ids are the jobs' UUIDs, and
 * reading checks both, so no request can name a path of its own.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

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

const dirOf = (dataDir: string, jobId: string): string => join(dataDir, 'jobs', jobId);

/** Writes a job's file atomically (a re-run replaces it) and returns its download URL. */
export function saveJobFile(dataDir: string, jobId: string, name: string, bytes: Uint8Array): string {
  if (!JOB_ID.test(jobId) || !FILE_NAME.test(name)) throw new Error(`bad job file ${jobId}/${name}`);
  const dir = dirOf(dataDir, jobId);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.${name}.tmp-${process.pid}`);
  writeFileSync(tmp, bytes);
  renameSync(tmp, join(dir, name));
  return fileUrl(jobId, name);
}

/** A job's file, or undefined when the id or name is not one a runner could have written, or it does not exist. */
export function readJobFile(dataDir: string, jobId: string, name: string): Uint8Array | undefined {
  if (!JOB_ID.test(jobId) || !FILE_NAME.test(name)) return undefined;
  const path = join(dirOf(dataDir, jobId), name);
  return existsSync(path) ? readFileSync(path) : undefined;
}

export function removeJobFiles(dataDir: string, jobId: string): void {
  if (JOB_ID.test(jobId)) rmSync(dirOf(dataDir, jobId), { recursive: true, force: true });
}

const TYPES: Readonly<Record<string, string>> = { onnx: 'application/octet-stream', npy: 'application/octet-stream', png: 'image/png', json: 'application/json', csv: 'text/csv; charset=utf-8' };

/** GET /api/jobs/<id>/<name>: the file as an attachment, 404 otherwise. */
export function downloadResponse(dataDir: string, pathname: string): Response {
  const parts = pathname.slice(DOWNLOAD_PREFIX.length).split('/').filter(Boolean);
  const bytes = parts.length === 2 ? readJobFile(dataDir, parts[0], parts[1]) : undefined;
  if (!bytes) return Response.json({ error: { message: `no such file: ${pathname}` } }, { status: 404 });
  const ext = parts[1].split('.').pop() ?? '';
  return new Response(bytes, { headers: { 'content-type': TYPES[ext] ?? 'application/octet-stream', 'content-disposition': `attachment; filename="${parts[1]}"`, 'content-length': String(bytes.length) } });
}
