/**
 * The tRPC context: the database, the process's services and the caller's bearer token.
 * Built by the HTTP route per request, and directly by tests (createCaller) with their own db.
 */
import type { Db } from './db.js';
import { jobQueue } from './jobs/queues/index.js';
import { JobStore } from './jobs/store.js';
import type { Services } from './services/index.js';

export interface Context {
  readonly db: Db;
  readonly jobs: JobStore;
  readonly services: Services;
  /** The `Authorization: Bearer <token>` the caller sent, if any. */
  readonly token: string | undefined;
}

export function createContext(db: Db, services: Services, headers?: Headers): Context {
  const auth = headers?.get('authorization') ?? undefined;
  const token = auth?.match(/^Bearer\s+(.+)$/i)?.[1]?.trim();
  return { db, jobs: new JobStore(db, jobQueue(db, services.env.databaseUrl)), services, token };
}
