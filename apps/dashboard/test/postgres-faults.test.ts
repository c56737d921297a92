/**
 * Faults with real processes on a real Postgres (the scale-out deployment's shape): two worker
 * processes (dist/server/worker-main.js, as docker-compose runs them) share a throwaway
 * cluster; one is killed with SIGKILL in the middle of a job. Every job must end succeeded,
 * none lost and none recorded twice: the killed worker's job is re-run by the other once its
 * heartbeat is stale (attempt 2), the rest run once.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDb, disconnectDb, jobQueue, JobStore, type Db } from '../src/server/index.js';
import { quantInput } from '../src/server/schemas.js';
import { until } from './helpers/job-suite.js';
import { postgresAvailable, startPostgres, type PostgresCluster } from '../scripts/postgres-cluster.mjs';
import { APP, migrate } from './helpers/setup.js';

const WORKER = join(APP, 'dist', 'server', 'worker-main.js');
/**
 * When the survivor takes the dead worker's job over. Heartbeats come from each worker's
 * heartbeat thread every 500 ms whatever its jobs do (jobs/heartbeat.ts); before that thread,
 * a job's CPU-bound stretches held its heartbeat back and a live job was once taken over at 3 s.
 */
const STALE_MS = 3_000;
const available = postgresAvailable('postgres-faults.test.ts');

let pg: PostgresCluster;
let db: Db;
const dataDir = mkdtempSync(join(tmpdir(), 'gradloc-faults-'));
const workers: ChildProcess[] = [];

function startWorker(): Promise<ChildProcess> {
  const child = spawn(process.execPath, [WORKER], {
    env: { ...process.env, DATABASE_URL: pg.url, GRADLOC_DATA_DIR: dataDir, GRADLOC_STALE_MS: String(STALE_MS), GRADLOC_THREADS: '1' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  workers.push(child);
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('running up to')) resolve(child);
    });
    child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
    child.once('exit', (code) => reject(new Error(`worker exited (${code}) before it started: ${out.slice(-500)}`)));
  });
}

describe.skipIf(!available)('faults on Postgres with two worker processes', () => {
  beforeAll(async () => {
    // the workers run the compiled server, which the global setup (helpers/build-server.ts) brought up to date
    pg = await startPostgres();
    await migrate(pg.url);
    db = await createDb(pg.url);
  }, 120_000);
  afterAll(async () => {
    for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
    if (db) await disconnectDb(db);
    pg?.stop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('a worker killed with SIGKILL mid-job: its job is re-run by the other, every job succeeds once', async () => {
    const [a, b] = [await startWorker(), await startWorker()];
    const store = new JobStore(db, jobQueue(db, pg.url));
    const ids: string[] = [];
    for (let i = 0; i < 4; i++) ids.push((await store.create('quant', quantInput.parse({ method: 'rtn', bits: 8, evalWindows: 48 }))).id);
    // a job that worker a is running (its id: host:pid:...)
    const victim = await until(
      () => db.job.findFirst({ where: { status: 'running', workerId: { contains: `:${a.pid}:` } } }),
      (j) => j !== null,
    );
    a.kill('SIGKILL');
    const done = await until(
      () => db.job.findMany({ where: { id: { in: ids } } }),
      (js) => js.every((j) => j.status !== 'queued' && j.status !== 'running'),
      180_000,
    );
    expect(done.map((j) => j.status)).toEqual(ids.map(() => 'succeeded'));
    for (const j of done) {
      expect(JSON.parse(j.result ?? 'null')?.bits).toBe(8);
      expect(j.attempts).toBe(j.id === victim!.id ? 2 : 1);
      expect(j.workerId).toContain(`:${b.pid}:`);
    }
    // the engine holds nothing more: the killed worker's entry was cleared by the
    // survivor's recovery (graphile-worker alone would free it after 4 hours, and then keep
    // it for good: replaced entries have their attempts used up)
    const left = await until(
      () => db.$queryRawUnsafe<{ n: number }[]>('SELECT count(*)::int AS n FROM graphile_worker.jobs'),
      (r) => r[0].n === 0,
      30_000,
    );
    expect(left[0].n).toBe(0);
    b.kill('SIGTERM');
    await new Promise((r) => b.once('exit', r));
  });
});
