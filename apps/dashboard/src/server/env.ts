/**
 * The server's settings, read once from the environment and validated, so a typo fails at
 * boot with the variable's name instead of deep inside a request.
 */
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** apps/dashboard (this file is src/server/env.ts, or dist/server/env.js once built). */
export const APP_DIR = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const DEFAULT_DATA_DIR = join(APP_DIR, 'data');

const positiveInt = (fallback: number) => z.coerce.number().int().positive().default(fallback);

const schema = z.object({
  /** file:/path/to.db (SQLite, the default) or postgres://user:pass@host/db. */
  DATABASE_URL: z.string().min(1).optional(),
  GRADLOC_DATA_DIR: z.string().min(1).default(DEFAULT_DATA_DIR),
  /** When set, job-creating procedures need `Authorization: Bearer <token>`. */
  GRADLOC_API_TOKEN: z.string().min(8, 'GRADLOC_API_TOKEN must be at least 8 characters').optional(),
  /** Largest accepted upload, in bytes of the decoded file. */
  GRADLOC_MAX_UPLOAD_BYTES: positiveInt(4 * 1024 * 1024),
  /** Largest accepted image, in decoded pixels (width x height). */
  GRADLOC_MAX_PIXELS: positiveInt(4096 * 4096),
  /**
   * Hugging Face folders served by name: name=/path,name2=/path2 (grounders: OWL-ViT, OWLv2,
   * Grounding DINO; dual encoders: CLIP; by config.json's model_type).
   */
  GRADLOC_HF_MODELS: z.string().default(''),
  /** The older name of GRADLOC_HF_MODELS (still read; both lists are served). */
  GRADLOC_HF_GROUNDERS: z.string().default(''),
  /** Jobs one worker runs at once. */
  GRADLOC_WORKER_CONCURRENCY: positiveInt(1),
  /** A running job whose heartbeat is older than this (ms) belongs to a dead worker: re-queued by the others. */
  GRADLOC_STALE_MS: positiveInt(15_000),
  /** Finished jobs (and their files) older than this many days are deleted by the workers; 0 keeps them for good. */
  GRADLOC_JOB_RETENTION_DAYS: z.coerce.number().min(0).default(30),
  /**
   * onnxruntime intra-op threads per session (default: every core in the worker, as the engine
   * defaults; in the web server every core but one, left to the event loop: services/index.ts).
   */
  GRADLOC_THREADS: z.coerce.number().int().positive().optional(),
});

export interface Env {
  readonly databaseUrl: string;
  readonly dataDir: string;
  readonly apiToken: string | undefined;
  readonly maxUploadBytes: number;
  readonly maxPixels: number;
  readonly hfModels: ReadonlyMap<string, string>;
  readonly workerConcurrency: number;
  readonly staleMs: number;
  readonly retentionDays: number;
  readonly threads: number | undefined;
}

function parseFolders(text: string, variable: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of text.split(',').map((p) => p.trim()).filter(Boolean)) {
    const eq = part.indexOf('=');
    const name = part.slice(0, eq).trim();
    if (eq <= 0 || !/^[A-Za-z0-9._-]+$/.test(name)) throw new Error(`${variable}: '${part}' is not name=/path/to/folder`);
    out.set(name, resolve(part.slice(eq + 1).trim()));
  }
  return out;
}

export function loadEnv(source: Readonly<Record<string, string | undefined>> = process.env): Env {
  const parsed = schema.safeParse(Object.fromEntries(Object.entries(source).filter(([, v]) => v !== '')));
  if (!parsed.success) throw new Error(`bad environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const e = parsed.data;
  const dataDir = resolve(e.GRADLOC_DATA_DIR);
  return {
    databaseUrl: e.DATABASE_URL ?? `file:${join(dataDir, 'gradloc.db')}`,
    dataDir,
    apiToken: e.GRADLOC_API_TOKEN,
    maxUploadBytes: e.GRADLOC_MAX_UPLOAD_BYTES,
    maxPixels: e.GRADLOC_MAX_PIXELS,
    hfModels: new Map([...parseFolders(e.GRADLOC_HF_GROUNDERS, 'GRADLOC_HF_GROUNDERS'), ...parseFolders(e.GRADLOC_HF_MODELS, 'GRADLOC_HF_MODELS')]),
    workerConcurrency: e.GRADLOC_WORKER_CONCURRENCY,
    staleMs: e.GRADLOC_STALE_MS,
    retentionDays: e.GRADLOC_JOB_RETENTION_DAYS,
    threads: e.GRADLOC_THREADS,
  };
}
