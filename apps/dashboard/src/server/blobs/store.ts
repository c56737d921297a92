/**
 * Where large payloads live: uploaded images, result images, maps and models, out of the
 * database's rows (which hold their URLs). Keys are slash-separated paths ("jobs/<id>/<name>")
 * built only from job ids and names the server chose (jobs/files.ts checks both).
 *
 * The embedded default and a single machine use a local folder (local.ts). A scale-out
 * deployment whose web server and workers do not share a volume implements this interface
 * over an S3-compatible store (README "Blob store"): four calls, each one object request.
 */
export interface BlobStore {
  /** Stores `bytes` under `key`, replacing what was there (a re-run job writes its files again). */
  put(key: string, bytes: Uint8Array): Promise<void>;
  /** The bytes under `key`, or undefined when there are none. */
  get(key: string): Promise<Uint8Array | undefined>;
  /** Deletes every key under `prefix` + '/' (a job's files). */
  removeAll(prefix: string): Promise<void>;
}

/** A key is relative path segments of [A-Za-z0-9._-], none of them '.' or '..'. */
export function checkKey(key: string): string {
  const parts = key.split('/');
  if (!parts.length || parts.some((p) => !/^[A-Za-z0-9._-]+$/.test(p) || p === '.' || p === '..')) throw new Error(`bad blob key '${key}'`);
  return key;
}
