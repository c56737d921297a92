/**
 * `prisma migrate deploy` for Postgres without Prisma's schema engine. Prisma 6.19 migrates
 * Postgres only through its Rust engine, a download on first use (prisma.config.ts says why
 * the JS engine cannot), so a machine without internet could not set up its database. This
 * applies the same migration folders (prisma/postgres/migrations/<name>/migration.sql) in
 * name order and records them in Prisma's own `_prisma_migrations` table, with Prisma's
 * checksum (SHA-256 of the file), so `prisma migrate deploy` and `prisma migrate status` see
 * the same history when the engine is there.
 *
 * Like Prisma it holds a session advisory lock while it works (two processes starting at once
 * migrate one after the other), runs each migration in a transaction, refuses to go on past a
 * failed migration, and refuses a migration whose file changed after it was applied.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { migrateJobEngine } from './jobs/queues/graphile.js';

/** Prisma's advisory lock key for migrations (the same number, so the two exclude each other). */
const PRISMA_LOCK = 72707369;

const HISTORY = `CREATE TABLE IF NOT EXISTS "_prisma_migrations" (
  "id" VARCHAR(36) PRIMARY KEY NOT NULL,
  "checksum" VARCHAR(64) NOT NULL,
  "finished_at" TIMESTAMPTZ,
  "migration_name" VARCHAR(255) NOT NULL,
  "logs" TEXT,
  "rolled_back_at" TIMESTAMPTZ,
  "started_at" TIMESTAMPTZ NOT NULL DEFAULT now(),
  "applied_steps_count" INTEGER NOT NULL DEFAULT 0
)`;

interface Applied {
  readonly migration_name: string;
  readonly checksum: string;
  readonly finished_at: Date | null;
  readonly rolled_back_at: Date | null;
}

/** The migration folders under `dir`, in the order they apply. */
export function migrationNames(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && existsSync(join(dir, d.name, 'migration.sql')))
    .map((d) => d.name)
    .sort();
}

/** Applies what is not applied yet; returns the names it applied. */
export async function applyPostgresMigrations(url: string, dir: string): Promise<string[]> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query('SELECT pg_advisory_lock($1)', [PRISMA_LOCK]);
    await client.query(HISTORY);
    const rows = (await client.query<Applied>('SELECT migration_name, checksum, finished_at, rolled_back_at FROM "_prisma_migrations"')).rows.filter((r) => r.rolled_back_at === null);
    const failed = rows.find((r) => r.finished_at === null);
    if (failed) throw new Error(`migration ${failed.migration_name} failed earlier: fix the database, then mark it rolled back (prisma migrate resolve) before migrating again`);
    const done = new Map(rows.map((r) => [r.migration_name, r.checksum]));
    const applied: string[] = [];
    for (const name of migrationNames(dir)) {
      const sql = readFileSync(join(dir, name, 'migration.sql'), 'utf8');
      const checksum = createHash('sha256').update(sql).digest('hex');
      const before = done.get(name);
      if (before !== undefined) {
        if (before !== checksum) throw new Error(`migration ${name} was changed after it was applied (checksum ${before.slice(0, 12)}... in the database, ${checksum.slice(0, 12)}... on disk)`);
        continue;
      }
      const id = randomUUID();
      await client.query('INSERT INTO "_prisma_migrations" (id, checksum, migration_name) VALUES ($1, $2, $3)', [id, checksum, name]);
      try {
        await client.query('BEGIN');
        await client.query(sql); // the simple query protocol: a file of several statements
        await client.query('COMMIT');
      } catch (e) {
        await client.query('ROLLBACK');
        await client.query('UPDATE "_prisma_migrations" SET logs = $2 WHERE id = $1', [id, String((e as Error).message)]);
        throw new Error(`migration ${name} failed: ${(e as Error).message}`);
      }
      await client.query('UPDATE "_prisma_migrations" SET finished_at = now(), applied_steps_count = 1 WHERE id = $1', [id]);
      applied.push(name);
    }
    return applied;
  } finally {
    await client.end();
  }
}

/** Everything a Postgres deployment needs before it serves: the app's migrations, then the job engine's schema. */
export async function migratePostgres(url: string, dir: string): Promise<string[]> {
  const applied = await applyPostgresMigrations(url, dir);
  await migrateJobEngine(url);
  return applied;
}
