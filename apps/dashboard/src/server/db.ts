/**
 * The database client: SQLite through better-sqlite3 by default, Postgres through pg when
 * DATABASE_URL is postgres://... Both clients come from the same models (prisma/sqlite and prisma/postgres),
 * so the app types everything against the SQLite client's interface.
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { PrismaBetterSQLite3 } from '@prisma/adapter-better-sqlite3';
import { PrismaPg } from '@prisma/adapter-pg';
import { PrismaClient as SqliteClient } from '../generated/sqlite/client.js';
import { PrismaClient as PostgresClient } from '../generated/postgres/client.js';
import { closeJobQueue } from './jobs/queues/index.js';

export type Db = SqliteClient;
export type { Job } from '../generated/sqlite/client.js';

export const isPostgresUrl = (url: string): boolean => /^postgres(ql)?:\/\//.test(url);

/** The SQLite file of a file: URL (relative paths resolve against the working directory). */
export function sqlitePath(url: string): string {
  if (!url.startsWith('file:')) throw new Error(`DATABASE_URL must be file:/path/to.db or postgres://..., got '${url.split(':')[0]}:...'`);
  return url.slice('file:'.length);
}

export async function createDb(url: string): Promise<Db> {
  if (isPostgresUrl(url)) {
    // identical models and queries; only the generated class differs
    return new PostgresClient({ adapter: new PrismaPg({ connectionString: url }) }) as unknown as Db;
  }
  const file = sqlitePath(url);
  mkdirSync(dirname(file), { recursive: true });
  // the server and the worker process share the file: WAL lets readers run beside a writer,
  // and a busy writer waits (timeout) instead of failing with SQLITE_BUSY
  const db = new SqliteClient({ adapter: new PrismaBetterSQLite3({ url: file, timeout: 10_000 }) });
  await db.$queryRawUnsafe('PRAGMA journal_mode = WAL');
  return db;
}

/**
 * Closes the client, waiting at most `ms`. After a Postgres restart, Prisma 6.19's pg adapter
 * never settles $disconnect() (measured: the tests' Postgres restart left it pending for
 * minutes), which would keep a stopping worker from exiting; its jobs are handed back before
 * this, so giving up on the close loses nothing.
 */
export async function disconnectDb(db: Db, ms = 5_000): Promise<'closed' | 'timed out'> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<'timed out'>((resolve) => {
    timer = setTimeout(() => resolve('timed out'), ms);
    timer.unref();
  });
  try {
    await Promise.race([closeJobQueue(db), late]);
    return await Promise.race([db.$disconnect().then(() => 'closed' as const), late]);
  } finally {
    clearTimeout(timer);
  }
}
