/**
 * The documented crash behaviour of the real app: kill the server (web + worker) with SIGKILL
 * while a job runs, start it again on the same data, and the job is re-run to completion;
 * finished jobs and their results survive.
 */
import { describe, expect, it } from 'vitest';
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
