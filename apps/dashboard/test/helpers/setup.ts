/**
 * A real database per test file - SQLite migrated by the real `prisma migrate deploy`, or a
 * Postgres URL (a throwaway cluster, scripts/postgres-cluster.mjs) migrated by the app's own
 * applyPostgresMigrations - and the server's services over the shipped models.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCaller, createContext, createDb, createServices, disconnectDb, isPostgresUrl, jobQueue, JobStore, loadEnv, type Db, type Env, type Services } from '../../src/server/index.js';
import { migratePostgres } from '../../src/server/pg-migrate.js';

export const APP = join(import.meta.dirname, '..', '..');

export async function migrate(databaseUrl: string): Promise<void> {
  if (isPostgresUrl(databaseUrl)) {
    await migratePostgres(databaseUrl, join(APP, 'prisma', 'postgres', 'migrations'));
    return;
  }
  execFileSync(process.execPath, [join(APP, '..', '..', 'node_modules', 'prisma', 'build', 'index.js'), 'migrate', 'deploy'], {
    cwd: APP,
    env: { ...process.env, DATABASE_URL: databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' },
    stdio: 'pipe',
  });
}

export interface TestApp {
  readonly dir: string;
  readonly env: Env;
  readonly db: Db;
  readonly services: Services;
  /** The job store the app's procedures use (on this database's queue). */
  readonly jobs: JobStore;
  caller(token?: string): ReturnType<typeof createCaller>;
  close(): Promise<void>;
}

export async function testApp(vars: Record<string, string> = {}): Promise<TestApp> {
  const dir = mkdtempSync(join(tmpdir(), 'gradloc-dashboard-'));
  const env = loadEnv({ GRADLOC_DATA_DIR: dir, GRADLOC_THREADS: '1', ...vars });
  await migrate(env.databaseUrl);
  const db = await createDb(env.databaseUrl);
  const services = createServices(env);
  return {
    dir,
    env,
    db,
    services,
    jobs: new JobStore(db, jobQueue(db, env.databaseUrl)),
    caller: (token) => createCaller(createContext(db, services, new Headers(token ? { authorization: `Bearer ${token}` } : {}))),
    async close() {
      await services.release();
      await disconnectDb(db);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
