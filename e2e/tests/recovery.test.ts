/**
 * The documented crash behaviour of the real app: kill the server (web + worker) with SIGKILL
 * while a job runs, start it again on the same data, and the job is re-run to completion;
 * finished jobs and their results survive. On Postgres (the scale-out shape: the web server
 * and a worker in separate processes) killing the web server loses nothing and runs nothing twice.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { postgresAvailable, startPostgres } from '../../apps/dashboard/scripts/postgres-cluster.mjs';
import { startApp } from '../helpers/app.js';
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

describe.skipIf(!postgresAvailable('e2e/tests/recovery.test.ts'))('killing the web server on Postgres', () => {
  it('jobs queued and running in a separate worker all finish once; the restarted server serves their results', async () => {
    const pg = await startPostgres();
    const env = { DATABASE_URL: pg.url, GRADLOC_EMBEDDED_WORKER: '0' };
    let app = await startApp({ env }); // migrates Postgres (app + job engine) before it serves
    const { dataDir } = app;
    const port = Number(new URL(app.url).port);
    let worker: ChildProcess | undefined;
    try {
      worker = spawn(process.execPath, [join(import.meta.dirname, '..', '..', 'apps', 'dashboard', 'dist', 'server', 'worker-main.js')], {
        env: { ...process.env, ...env, GRADLOC_DATA_DIR: dataDir, GRADLOC_THREADS: '1' },
        stdio: 'ignore',
      });
      const slow = await mutate<Job>(app.url, 'quant.run', { method: 'rtn', bits: 8, evalWindows: 200 });
      const queued = [];
      for (let i = 0; i < 3; i++) queued.push(await mutate<Job>(app.url, 'quant.run', { method: 'rtn', bits: 8, evalWindows: 2 }));
      await waitFor(() => query<Job>(app.url, 'jobs.get', { id: slow.id }), (j) => j.status === 'running' && j.progress > 0.05);
      await app.stop('SIGKILL'); // the web server's whole process group; the worker runs on

      app = await startApp({ dataDir, port, env });
      for (const id of [slow.id, ...queued.map((j) => j.id)]) {
        const done = await waitFor(() => query<Job>(app.url, 'jobs.get', { id }), (j) => j.status !== 'queued' && j.status !== 'running', 400_000);
        expect([done.status, done.attempts], JSON.stringify(done)).toEqual(['succeeded', 1]);
        expect((done.result as { bits: number }).bits).toBe(8);
      }
      // and the restarted server takes new work
      const after = await mutate<Job>(app.url, 'quant.run', { method: 'rtn', bits: 8, evalWindows: 2 });
      expect((await waitFor(() => query<Job>(app.url, 'jobs.get', { id: after.id }), (j) => j.status === 'succeeded' || j.status === 'failed')).status).toBe('succeeded');
    } finally {
      worker?.kill('SIGKILL');
      await app.stop();
      pg.stop();
    }
  });
});
