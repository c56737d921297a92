/**
 * The job lifecycle every database backend must give the same way (issue: one queue
 * interface, one suite, run against each backend): cancellation of queued and running jobs,
 * recovery of jobs whose worker died (re-run once, then failed with the reason), a sole
 * worker re-running what an earlier process left, a stopping worker handing its jobs back,
 * and concurrent claims that hand every job to exactly one worker. jobs.test.ts runs it on
 * SQLite, postgres.test.ts on a throwaway Postgres cluster.
 */
import { describe, expect, it } from 'vitest';
import { JobStore, JobWorker, MAX_ATTEMPTS } from '../../src/server/index.js';
import { fileUrl, readJobFile, saveJobFile } from '../../src/server/jobs/files.js';
import { Heartbeats } from '../../src/server/jobs/heartbeat.js';
import { dataUrl, scenePng } from './images.js';
import type { TestApp } from './setup.js';

const quiet = (): void => {};

export async function until<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 120_000): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (ok(v)) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out; last value ${JSON.stringify(v)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Registers the suite under `backend`; `app` is the file's TestApp (made in its beforeAll). */
export function jobLifecycleSuite(backend: string, app: () => TestApp): void {
  const store = (): JobStore => new JobStore(app().db, app().jobs.queue);
  describe(`job lifecycle on ${backend}`, () => {
  describe('cancellation', () => {
    it('cancels a queued job at once and a running one at its next progress report', async () => {
      const queued = await app().caller().quant.run({ method: 'rtn' });
      const c = await app().caller().jobs.cancel({ id: queued.id });
      expect(c.status).toBe('cancelled');
      await expect(app().caller().jobs.cancel({ id: queued.id })).rejects.toThrow(/already cancelled/);

      const { bytes, scene } = await scenePng(1);
      const job = await app().caller().vps.explain({ image: dataUrl(bytes), query: scene.objects[0].phrases[0], regions: 64 });
      const worker = new JobWorker(store(), app().services, { concurrency: 1, heartbeatMs: 50, log: quiet });
      await worker.start();
      await until(() => app().caller().jobs.get({ id: job.id }), (j) => j.stage.startsWith('search step'));
      const t0 = Date.now();
      await app().caller().jobs.cancel({ id: job.id });
      const done = await until(() => app().caller().jobs.get({ id: job.id }), (j) => j.status === 'cancelled');
      expect(Date.now() - t0).toBeLessThan(10_000);
      expect(done.error).toBe('cancelled by request');
      expect(done.result).toBeNull();
      await worker.stop(true);
    });
  });

  describe('recovery after a worker dies', () => {
    it('re-queues a job whose worker stopped heartbeating, runs it, and fails it once attempts are used up', async () => {
      const job = await app().caller().quant.run({ method: 'rtn', bits: 8, evalWindows: 2 });
      // a worker that claimed the job and then died: its heartbeat goes stale
      const dead = 'dead-worker';
      expect((await store().claimNext(dead))?.id).toBe(job.id);
      await app().db.job.update({ where: { id: job.id }, data: { heartbeatAt: new Date(Date.now() - 60_000) } });
      const logs: string[] = [];
      const worker = new JobWorker(store(), app().services, { concurrency: 1, staleMs: 30_000, heartbeatMs: 100, log: (l) => logs.push(l) });
      await worker.start();
      const done = await until(() => app().caller().jobs.get({ id: job.id }), (j) => j.status === 'succeeded' || j.status === 'failed');
      await worker.stop(true);
      expect(done.status).toBe('succeeded');
      expect(done.attempts).toBe(2);
      expect(logs.some((l) => l === `job ${job.id}: its worker stopped; re-queued`)).toBe(true);
      // the dead worker's late write cannot overwrite the new state
      expect((await store().finish(job.id, dead, { status: 'failed', error: 'late' })).count).toBe(0);

      // a job that already used its attempts is failed with the reason instead
      const again = await app().caller().quant.run({ method: 'rtn' });
      await store().claimNext(dead);
      await app().db.job.update({ where: { id: again.id }, data: { attempts: MAX_ATTEMPTS, heartbeatAt: new Date(0) } });
      expect(await store().recover(1000)).toEqual({ requeued: [], failed: [again.id] });
      const failed = await app().caller().jobs.get({ id: again.id });
      expect(failed.status).toBe('failed');
      expect(failed.error).toBe(`its worker stopped (crash or restart) during each of ${MAX_ATTEMPTS} attempts; not retried again`);
    });

    it('a sole worker re-runs the jobs left running at start; a stopping worker hands its jobs back', async () => {
      const job = await app().caller().quant.run({ method: 'rtn', bits: 8, evalWindows: 2 });
      await store().claimNext('previous-process');
      // the heartbeat is fresh, but the only worker is new: the job was interrupted
      const sole = new JobWorker(store(), app().services, { concurrency: 1, sole: true, log: quiet });
      await sole.start();
      const rerun = await until(() => app().caller().jobs.get({ id: job.id }), (j) => j.status === 'succeeded' || j.status === 'failed');
      await sole.stop(true);
      expect([rerun.status, rerun.attempts]).toEqual(['succeeded', 2]);

      const other = await app().caller().quant.run({ method: 'rtn' });
      expect((await store().claimNext('stopping-worker'))?.attempts).toBe(1);
      expect(await store().requeueOwn('stopping-worker')).toBe(1);
      const back = await store().get(other.id);
      expect([back?.status, back?.attempts, back?.stage]).toEqual(['queued', 0, 're-queued: its worker was stopped']);
      await app().caller().jobs.cancel({ id: other.id });
    });
  });

  it('retention deletes jobs that ended before the cutoff, with their files, and nothing else', async () => {
    const blobs = app().services.blobs;
    const old = await store().create('quant', { method: 'rtn' });
    const recent = await store().create('quant', { method: 'rtn' });
    const running = await store().create('quant', { method: 'rtn' });
    await store().claim(running.id, 'retention-worker');
    await app().db.job.update({ where: { id: running.id }, data: { startedAt: new Date(0) } });
    for (const j of [old, recent]) await app().caller().jobs.cancel({ id: j.id });
    await app().db.job.update({ where: { id: old.id }, data: { finishedAt: new Date(Date.now() - 40 * 86_400_000) } });
    for (const j of [old, recent, running]) await saveJobFile(blobs, j.id, 'upload.png', new Uint8Array([1, 2, 3]));
    const cutoff = new Date(Date.now() - 30 * 86_400_000);
    expect(await store().expire(cutoff, blobs)).toEqual([old.id]);
    expect(await store().get(old.id)).toBeNull();
    expect(await readJobFile(blobs, fileUrl(old.id, 'upload.png'))).toBeUndefined();
    for (const j of [recent, running]) {
      expect(await store().get(j.id)).not.toBeNull();
      expect(await readJobFile(blobs, fileUrl(j.id, 'upload.png'))).toEqual(new Uint8Array([1, 2, 3]));
    }
    expect(await store().expire(cutoff, blobs)).toEqual([]);
    await store().finish(running.id, 'retention-worker', { status: 'cancelled', error: 'cancelled by request' });
  });

  it('heartbeats and cancellation reach a job whose thread is blocked', async () => {
    const job = await store().create('quant', { method: 'rtn' });
    expect((await store().claim(job.id, 'busy-worker'))?.status).toBe('running');
    const logs: string[] = [];
    const beats = new Heartbeats({ databaseUrl: app().env.databaseUrl, intervalMs: 100 }, (l) => logs.push(l));
    try {
      await beats.started();
      const beat = beats.watch(job.id, 'busy-worker');
      beat.report(0.25, 'step 1/4');
      // this thread blocked for 1.5 s (as by a long synchronous kernel): no timer of its own can run
      const blockedAt = Date.now();
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1_500);
      const row = await app().db.job.findUnique({ where: { id: job.id } });
      expect(row!.heartbeatAt!.getTime()).toBeGreaterThan(blockedAt + 500);
      expect([row!.progress, row!.stage]).toEqual([0.25, 'step 1/4']);
      // a cancel requested while the job is blocked is in its flag when it next looks, with no await between
      expect(beat.cancelled).toBe(false);
      await app().db.job.update({ where: { id: job.id }, data: { cancelRequested: true } });
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 1_500);
      expect(beat.cancelled).toBe(true);
      beat.stop();
      expect(logs).toEqual([]);
    } finally {
      await beats.close();
      await store().finish(job.id, 'busy-worker', { status: 'cancelled', error: 'cancelled by request' });
    }
  });

    it('concurrent claims hand every queued job to exactly one worker', async () => {
      const ids = new Set<string>();
      for (let i = 0; i < 24; i++) ids.add((await store().create('quant', { method: 'rtn', n: i })).id);
      // four claimers on their own store objects, racing for the same oldest job each time
      const claimed: string[][] = [[], [], [], []];
      await Promise.all(
        claimed.map(async (mine, w) => {
          const s = store();
          for (;;) {
            const j = await s.claimNext(`claimer-${w}`);
            if (!j) {
              // claim gives up after a few lost races; it is empty only when nothing is queued
              const left = await app().db.job.count({ where: { status: 'queued', id: { in: [...ids] } } });
              if (left === 0) return;
              continue;
            }
            mine.push(j.id);
            expect([j.status, j.workerId, j.attempts]).toEqual(['running', `claimer-${w}`, 1]);
          }
        }),
      );
      const all = claimed.flat();
      expect(new Set(all).size).toBe(all.length); // nobody claimed a job twice
      expect(all.filter((id) => ids.has(id)).length).toBe(ids.size); // every job was claimed
      for (const [w, mine] of claimed.entries()) expect(await store().requeueOwn(`claimer-${w}`)).toBe(mine.length);
      for (const id of ids) await app().caller().jobs.cancel({ id });
    });
  });
}
