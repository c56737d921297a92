/**
 * The Postgres path on a real Postgres: a throwaway cluster (scripts/postgres-cluster.mjs) migrated by
 * the app's own applyPostgresMigrations, then the job lifecycle suite SQLite runs
 * (helpers/job-suite.ts), and the migration history Prisma reads.
 *
 * Without Postgres binaries the file skips with a message; under CI it fails instead.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { applyPostgresMigrations, migrationNames } from '../src/server/pg-migrate.js';
import { JobStore, JobWorker } from '../src/server/index.js';
import { jobLifecycleSuite, until } from './helpers/job-suite.js';
import { postgresAvailable, startPostgres, type PostgresCluster } from '../scripts/postgres-cluster.mjs';
import { APP, testApp, type TestApp } from './helpers/setup.js';

const MIGRATIONS = join(APP, 'prisma', 'postgres', 'migrations');
const available = postgresAvailable('postgres.test.ts');

let pg: PostgresCluster;
let app: TestApp;

describe.skipIf(!available)('Postgres', () => {
  beforeAll(async () => {
    pg = await startPostgres();
    app = await testApp({ DATABASE_URL: pg.url });
  }, 120_000);
  afterAll(async () => {
    await app?.close(); // disconnectDb: bounded, the restart test leaves Prisma's pool unable to close
    pg?.stop();
  }, 120_000);

  describe('migrations without the schema engine', () => {
    it('recorded as Prisma records them, and applied once', async () => {
      const rows = await app.db.$queryRawUnsafe<{ migration_name: string; checksum: string; finished_at: Date | null; applied_steps_count: number }[]>(
        'SELECT migration_name, checksum, finished_at, applied_steps_count FROM "_prisma_migrations" ORDER BY migration_name',
      );
      const names = migrationNames(MIGRATIONS);
      expect(names.length).toBeGreaterThan(0);
      expect(rows.map((r) => r.migration_name)).toEqual(names);
      for (const r of rows) {
        expect(r.checksum).toBe(createHash('sha256').update(readFileSync(join(MIGRATIONS, r.migration_name, 'migration.sql'))).digest('hex'));
        expect(r.finished_at).not.toBeNull();
        expect(r.applied_steps_count).toBe(1);
      }
      // a second deploy (another process starting) has nothing to do
      expect(await applyPostgresMigrations(pg.url, MIGRATIONS)).toEqual([]);
      // the table the migration made is there, with its index
      const indexes = await app.db.$queryRawUnsafe<{ indexname: string }[]>(`SELECT indexname::text AS indexname FROM pg_indexes WHERE tablename = 'Job'`);
      expect(indexes.map((i) => i.indexname).sort()).toEqual(['Job_pkey', 'Job_status_createdAt_idx']);
    });

    it('refuses a migration changed after it was applied, and one that failed before', async () => {
      const [first] = migrationNames(MIGRATIONS);
      await app.db.$executeRawUnsafe(`UPDATE "_prisma_migrations" SET checksum = 'x' WHERE migration_name = '${first}'`);
      await expect(applyPostgresMigrations(pg.url, MIGRATIONS)).rejects.toThrow(new RegExp(`migration ${first} was changed after it was applied`));
      const good = createHash('sha256').update(readFileSync(join(MIGRATIONS, first, 'migration.sql'))).digest('hex');
      await app.db.$executeRawUnsafe(`UPDATE "_prisma_migrations" SET checksum = '${good}' WHERE migration_name = '${first}'`);
      await app.db.$executeRawUnsafe(`INSERT INTO "_prisma_migrations" (id, checksum, migration_name) VALUES ('f', 'c', 'zz_broken')`);
      await expect(applyPostgresMigrations(pg.url, MIGRATIONS)).rejects.toThrow(/migration zz_broken failed earlier/);
      await app.db.$executeRawUnsafe(`DELETE FROM "_prisma_migrations" WHERE id = 'f'`);
      expect(await applyPostgresMigrations(pg.url, MIGRATIONS)).toEqual([]);
    });
  });

  jobLifecycleSuite('Postgres', () => app);

  describe('on graphile-worker', () => {
    const entries = (id: string) =>
      app.db.$queryRawUnsafe<{ task_identifier: string; payload: unknown; locked_by: string | null }[]>(
        `SELECT t.identifier AS task_identifier, j.payload, j.locked_by
           FROM graphile_worker._private_jobs j JOIN graphile_worker._private_tasks t ON t.id = j.task_id WHERE j.key = $1`,
        id,
      );
    const quiet = (): void => {};

    it('a new job has one engine entry, keyed by its id; an idle worker is woken by NOTIFY, not by polling', async () => {
      expect(app.jobs.queue.engine).toBe('graphile-worker');
      // an hour between polls: only the engine's NOTIFY can wake this worker for a job queued after its start
      const worker = new JobWorker(app.jobs, app.services, { concurrency: 1, pollMs: 3_600_000, heartbeatMs: 100, log: quiet });
      await worker.start();
      expect(worker.engine).toBe('graphile-worker');
      await new Promise((r) => setTimeout(r, 500)); // past the engine's first look at the queue
      const job = await app.caller().quant.run({ method: 'rtn', bits: 8, evalWindows: 2 });
      const queued = await entries(job.id);
      expect(queued.map((e) => [e.task_identifier, e.payload])).toEqual([['gradloc_job', { id: job.id }]]);
      const running = await until(() => app.db.job.findUnique({ where: { id: job.id } }), (j) => j?.status !== 'queued');
      // the row records which engine slot runs it: <process worker id>/<graphile-worker id>
      expect(running?.workerId).toMatch(new RegExp(`^${worker.id}/worker-[0-9a-f]+$`));
      const done = await until(() => app.caller().jobs.get({ id: job.id }), (j) => j.status === 'succeeded' || j.status === 'failed');
      await worker.stop(true);
      expect([done.status, done.attempts]).toEqual(['succeeded', 1]);
      expect(await entries(job.id)).toEqual([]); // the engine completed (deleted) its entry
    });

    it('a hand-over that fails on a database error is retried by the engine, with backoff', async () => {
      const job = await app.jobs.create('quant', { method: 'rtn' });
      const tries: number[] = [];
      let ran = '';
      // a claimer whose first claim fails as an unreachable database would
      const flaky = {
        claim: async (id: string, workerId: string) => {
          tries.push(Date.now());
          if (tries.length === 1) throw new Error('connection terminated unexpectedly');
          return app.jobs.claim(id, workerId);
        },
        claimNext: async () => null,
      };
      const runner = await app.jobs.queue.work(flaky, async ({ job: j }) => void (ran = j.id), { concurrency: 1, workerId: 'retry-test', log: quiet });
      try {
        await until(async () => ran, (r) => r === job.id, 60_000);
      } finally {
        await runner.idle();
      }
      expect(tries.length).toBe(2);
      // graphile-worker's backoff after a first failure: exp(1) s
      expect(tries[1] - tries[0]).toBeGreaterThan(2_000);
      const row = await app.db.job.findUniqueOrThrow({ where: { id: job.id } });
      expect([row.status, row.attempts]).toEqual(['running', 1]);
      expect(await entries(job.id)).toEqual([]);
      await app.jobs.finish(job.id, row.workerId!, { status: 'cancelled', error: 'cancelled by request' });
    });

    it('a worker stopped mid-job hands the job back; another worker runs it once', async () => {
      const job = await app.caller().quant.run({ method: 'rtn', bits: 8, evalWindows: 200 });
      const first = new JobWorker(app.jobs, app.services, { concurrency: 1, heartbeatMs: 100, log: quiet });
      await first.start();
      await until(() => app.db.job.findUnique({ where: { id: job.id } }), (j) => j?.status === 'running' && j.progress > 0.05);
      await first.stop(); // SIGTERM's path: no drain
      const back = await app.db.job.findUniqueOrThrow({ where: { id: job.id } });
      expect([back.status, back.attempts, back.stage]).toEqual(['queued', 0, 're-queued: its worker was stopped']);
      // the engine has a fresh entry for it, free for any worker
      expect((await entries(job.id)).map((e) => e.locked_by)).toEqual([null]);
      const second = new JobWorker(app.jobs, app.services, { concurrency: 1, heartbeatMs: 100, log: quiet });
      await second.start();
      const done = await until(() => app.caller().jobs.get({ id: job.id }), (j) => j.status === 'succeeded' || j.status === 'failed');
      await second.stop(true);
      expect([done.status, done.attempts]).toEqual(['succeeded', 1]);
      expect(await entries(job.id)).toEqual([]);
    });

    it('the sweep gives a queued job whose entry gave up a new one, and drops entries of ended jobs', async () => {
      const attempts = async (id: string) =>
        (await app.db.$queryRawUnsafe<{ attempts: number }[]>('SELECT attempts::int AS attempts FROM graphile_worker._private_jobs WHERE key = $1', id)).map((e) => e.attempts);
      const lost = await app.caller().quant.run({ method: 'rtn', bits: 8, evalWindows: 2 });
      const cancelled = await app.jobs.create('quant', { method: 'rtn' });
      const gone = await app.jobs.create('quant', { method: 'rtn' });
      // the engine gave up on one entry (its hand-overs all failed while the database was away)
      await app.db.$executeRawUnsafe('UPDATE graphile_worker._private_jobs SET attempts = max_attempts WHERE key = $1', lost.id);
      await app.caller().jobs.cancel({ id: cancelled.id });
      await app.db.job.delete({ where: { id: gone.id } });
      expect([await attempts(lost.id), (await entries(cancelled.id)).length, (await entries(gone.id)).length]).toEqual([[10], 1, 1]);
      const first = await app.jobs.queue.reconcile();
      expect(first.redispatched).toEqual([lost.id]);
      expect(first.dropped).toBeGreaterThanOrEqual(2); // other tests' cancelled jobs may have left theirs too
      expect([await attempts(lost.id), await entries(cancelled.id), await entries(gone.id)]).toEqual([[0], [], []]);
      expect(await app.jobs.queue.reconcile()).toEqual({ redispatched: [], dropped: 0 }); // nothing left to repair
      const worker = new JobWorker(app.jobs, app.services, { concurrency: 1, heartbeatMs: 100, log: quiet });
      await worker.start();
      const done = await until(() => app.caller().jobs.get({ id: lost.id }), (j) => j.status === 'succeeded' || j.status === 'failed');
      await worker.stop(true);
      expect([done.status, done.attempts]).toEqual(['succeeded', 1]);
    });

    it('live progress is woken by the row trigger when what clients see changes, not by heartbeats', async () => {
      const job = await app.jobs.create('quant', { method: 'rtn' });
      const stop = new AbortController();
      const sub = await app.jobs.subscribe(job.id);
      const next = (ms: number): Promise<'woken' | 'quiet'> =>
        Promise.race([sub.wait(600_000, stop.signal).then(() => 'woken' as const), new Promise<'quiet'>((r) => setTimeout(() => r('quiet'), ms))]);
      try {
        // a change made by another connection (as a worker's would be)
        const woken = next(30_000);
        await app.db.job.update({ where: { id: job.id }, data: { progress: 0.5, stage: 'step 1/2' } });
        expect(await woken).toBe('woken');
        // a heartbeat-only write stays silent
        const beat = next(1_500);
        await app.db.job.update({ where: { id: job.id }, data: { heartbeatAt: new Date() } });
        expect(await beat).toBe('quiet');
        // a change that landed before the wait began is not missed
        stop.abort(); // ends the wait left pending by the quiet round
        await app.db.job.update({ where: { id: job.id }, data: { cancelRequested: true } });
        await new Promise((r) => setTimeout(r, 300));
        const again = new AbortController();
        expect(await Promise.race([sub.wait(600_000, again.signal).then(() => 'woken'), new Promise((r) => setTimeout(() => r('quiet'), 30_000))])).toBe('woken');
        again.abort();
      } finally {
        sub.close();
        await app.caller().jobs.cancel({ id: job.id }).catch(() => undefined);
      }
    });
  });

  describe('faults', () => {
    /** Polls through a database that may be restarting (a failed read counts as not yet). */
    const settled = (id: string, ok: (status: string) => boolean) =>
      until(
        () => app.caller().jobs.get({ id }).then((j) => j, () => undefined),
        (j) => j !== undefined && ok(j.status),
      );

    it('Postgres restarted during a job: the job finishes once and its result is recorded', async () => {
      const logs: string[] = [];
      const worker = new JobWorker(app.jobs, app.services, { concurrency: 1, heartbeatMs: 100, log: (l) => logs.push(l) });
      const job = await app.caller().quant.run({ method: 'rtn', bits: 8, evalWindows: 8 });
      await worker.start();
      await settled(job.id, (s) => s === 'running');
      pg.restart(); // every connection dropped while the job computes
      const done = await settled(job.id, (s) => s !== 'queued' && s !== 'running');
      await worker.stop(true);
      expect(logs.filter((l) => /heartbeat failed|database unreachable|database error/.test(l)).length).toBeGreaterThan(0);
      expect([done?.status, done?.attempts]).toEqual(['succeeded', 1]);
      expect((done?.result as { bits?: number } | null)?.bits).toBe(8);
    });
  });
});
