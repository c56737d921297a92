/**
 * The documented crash behaviour of the real app: kill the server (web + worker) with SIGKILL
 * while a job runs, start it again on the same data, and the job is re-run to completion;
 * finished jobs and their results survive. On Postgres (the scale-out shape: the web server
 * and two workers in separate processes) killing the web server and a worker mid-job loses
 * nothing and runs nothing twice to completion.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { describe, expect, it } from 'vitest';
import { postgresAvailable, startPostgres } from '../../apps/dashboard/scripts/postgres-cluster.mjs';
import { startApp } from '../helpers/app.js';

const { Client } = pg;
import { mutate, query, waitFor, type Job } from '../helpers/trpc.js';

describe('killing the server mid-job', () => {
  it('re-runs the interrupted job after a restart, and keeps the finished ones', async () => {
    let app = await startApp();
    const { dataDir } = app;
    const port = Number(new URL(app.url).port);
    try {
      const quick = await mutate<Job>(app.url, 'quant.run', { method: 'rtn', bits: 8, evalWindows: 2 });
      await waitFor(() => query<Job>(app.url, 'jobs.get', { id: quick.id }), (j) => j.status === 'succeeded');
      // GPTQ + many windows: long enough to be killed in the middle
      const slow = await mutate<Job>(app.url, 'quant.run', { method: 'gwq', bits: 3, gptq: true, calibSamples: 8, evalWindows: 400 });
      const midway = await waitFor(() => query<Job>(app.url, 'jobs.get', { id: slow.id }), (j) => j.status === 'running' && j.progress > 0.05);
      expect(midway.attempts).toBe(1);
      await app.stop('SIGKILL');

      app = await startApp({ dataDir, port });
      const after = await waitFor(() => query<Job>(app.url, 'jobs.get', { id: slow.id }), (j) => j.status === 'succeeded' || j.status === 'failed', 400_000);
      expect(after.status, JSON.stringify(after)).toBe('succeeded');
      expect(after.attempts).toBe(2);
      const kept = await query<Job>(app.url, 'jobs.get', { id: quick.id });
      expect(kept.status).toBe('succeeded');
      expect((kept.result as { ppl: number }).ppl).toBeGreaterThan(1);
      expect(app.output()).toMatch(new RegExp(`job ${slow.id}: its worker stopped; re-queued`));
    } finally {
      await app.stop();
    }
  });
});

describe.skipIf(!postgresAvailable('e2e/tests/recovery.test.ts'))('the scale-out shape on Postgres: web server and two workers in separate processes', () => {
  it('the web server and the worker running a job killed with SIGKILL: every job finishes once, the killed one re-run once', async () => {
    const pg = await startPostgres();
    const env = { DATABASE_URL: pg.url, GRADLOC_EMBEDDED_WORKER: '0' };
    let app = await startApp({ env }); // migrates Postgres (app + job engine) before it serves
    const { dataDir } = app;
    const port = Number(new URL(app.url).port);
    const db = new Client({ connectionString: pg.url });
    const workers: ChildProcess[] = [];
    try {
      await db.connect();
      for (let i = 0; i < 2; i++) {
        workers.push(
          spawn(process.execPath, [join(import.meta.dirname, '..', '..', 'apps', 'dashboard', 'dist', 'server', 'worker-main.js')], {
            // a shared data folder stands for the shared volume of docker-compose.yml (the blob store)
            env: { ...process.env, ...env, GRADLOC_DATA_DIR: dataDir, GRADLOC_THREADS: '1', GRADLOC_STALE_MS: '3000' },
            stdio: 'ignore',
          }),
        );
      }
      const slow = await mutate<Job>(app.url, 'quant.run', { method: 'rtn', bits: 8, evalWindows: 200 });
      const quick = [];
      for (let i = 0; i < 3; i++) quick.push(await mutate<Job>(app.url, 'quant.run', { method: 'rtn', bits: 8, evalWindows: 2 }));
      await waitFor(() => query<Job>(app.url, 'jobs.get', { id: slow.id }), (j) => j.status === 'running' && j.progress > 0.05);
      // the worker running it (its row names host:pid:...), and the web server's whole process group
      const { rows } = await db.query<{ workerId: string }>('SELECT "workerId" FROM "Job" WHERE id = $1', [slow.id]);
      const victim = workers.find((w) => rows[0].workerId.includes(`:${w.pid}:`));
      expect(victim).toBeDefined();
      victim!.kill('SIGKILL');
      await app.stop('SIGKILL');

      app = await startApp({ dataDir, port, env });
      for (const id of [slow.id, ...quick.map((j) => j.id)]) {
        const done = await waitFor(() => query<Job>(app.url, 'jobs.get', { id }), (j) => j.status !== 'queued' && j.status !== 'running', 400_000);
        expect([done.status, done.attempts], JSON.stringify(done)).toEqual(['succeeded', id === slow.id ? 2 : 1]);
        expect((done.result as { bits: number }).bits).toBe(8);
      }
      // the restarted server takes new work; the engine is left holding nothing
      const after = await mutate<Job>(app.url, 'quant.run', { method: 'rtn', bits: 8, evalWindows: 2 });
      expect((await waitFor(() => query<Job>(app.url, 'jobs.get', { id: after.id }), (j) => j.status === 'succeeded' || j.status === 'failed')).status).toBe('succeeded');
      const left = await waitFor(() => db.query<{ n: number }>('SELECT count(*)::int AS n FROM graphile_worker.jobs'), (r) => r.rows[0].n === 0, 30_000);
      expect(left.rows[0].n).toBe(0);
    } finally {
      for (const w of workers) w.kill('SIGKILL');
      await db.end().catch(() => undefined);
      await app.stop();
      pg.stop();
    }
  });
});
