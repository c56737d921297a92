/** The job queue of a database: graphile-worker on Postgres, the local queue on SQLite (queue.ts). */
import { isPostgresUrl, type Db } from '../../db.js';
import { GraphileQueue } from './graphile.js';
import { LocalQueue } from './local.js';
import type { JobQueue } from './queue.js';

export type { Claimed, Claimer, JobQueue, QueueRunner, Subscription, Tx, WorkOptions } from './queue.js';
export { migrateJobEngine } from './graphile.js';

const queues = new WeakMap<Db, JobQueue>();

/** The one queue of this database client in this process (its listening connection is shared). */
export function jobQueue(db: Db, databaseUrl: string): JobQueue {
  let q = queues.get(db);
  if (!q) {
    q = isPostgresUrl(databaseUrl) ? new GraphileQueue(databaseUrl, db) : new LocalQueue();
    queues.set(db, q);
  }
  return q;
}

/** Closes the queue of `db`, if one was made (disconnectDb calls it). */
export async function closeJobQueue(db: Db): Promise<void> {
  const q = queues.get(db);
  queues.delete(db);
  await q?.close();
}
