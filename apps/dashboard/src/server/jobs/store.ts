/**
 * The Job table's state machine, in one place:
 *
 *   queued --claim--> running --succeed--> succeeded
 *      |                 |------fail-----> failed
 *      |                 |--cancel seen--> cancelled
 *      +----cancel-----> cancelled
 *   running, heartbeat stale (worker died) --recover--> queued again (attempts < MAX_ATTEMPTS)
 *                                                   or failed, with the reason
 *
 * Every transition is a conditional update (WHERE status = ...), so two workers can never
 * claim the same job and a late write from a dead worker cannot overwrite a newer state.
 */
import { randomUUID } from 'node:crypto';
import type { Db, Job } from '../db.js';
import type { JobKind } from '../schemas.js';

/** A job is started at most this many times (the first run and one re-run after a crash). */
export const MAX_ATTEMPTS = 2;

export interface JobView {
  readonly id: string;
  readonly kind: string;
  readonly status: string;
  readonly progress: number;
  readonly stage: string;
  readonly error: string | null;
  readonly attempts: number;
  readonly cancelRequested: boolean;
  readonly createdAt: string;
  readonly startedAt: string | null;
  readonly finishedAt: string | null;
}

/** The fields clients see (the stored input holds the uploaded image: sent only by jobs.get). */
export function jobView(j: Job): JobView {
  return {
    id: j.id,
    kind: j.kind,
    status: j.status,
    progress: j.progress,
    stage: j.stage,
    error: j.error,
    attempts: j.attempts,
    cancelRequested: j.cancelRequested,
    createdAt: j.createdAt.toISOString(),
    startedAt: j.startedAt?.toISOString() ?? null,
    finishedAt: j.finishedAt?.toISOString() ?? null,
  };
}

export class JobStore {
  constructor(private readonly db: Db) {}

  async create(kind: JobKind, input: unknown): Promise<Job> {
    return this.db.job.create({ data: { id: randomUUID(), kind, input: JSON.stringify(input) } });
  }

  get(id: string): Promise<Job | null> {
    return this.db.job.findUnique({ where: { id } });
  }

  list(o: { kind?: string; status?: string; limit: number }): Promise<Job[]> {
    return this.db.job.findMany({
      where: { ...(o.kind ? { kind: o.kind } : {}), ...(o.status ? { status: o.status } : {}) },
      orderBy: { createdAt: 'desc' },
      take: o.limit,
    });
  }

  /** Queued jobs are cancelled at once; running ones are flagged and stop at their next progress report. */
  async cancel(id: string): Promise<Job | null> {
    const now = new Date();
    await this.db.job.updateMany({ where: { id, status: 'queued' }, data: { status: 'cancelled', finishedAt: now, stage: 'cancelled before it started' } });
    await this.db.job.updateMany({ where: { id, status: 'running' }, data: { cancelRequested: true } });
    return this.get(id);
  }

  /** The oldest queued job, now running under `workerId`, or null when none is left. */
  async claim(workerId: string): Promise<Job | null> {
    for (let tries = 0; tries < 5; tries++) {
      const next = await this.db.job.findFirst({ where: { status: 'queued' }, orderBy: { createdAt: 'asc' } });
      if (!next) return null;
      const now = new Date();
      const won = await this.db.job.updateMany({
        where: { id: next.id, status: 'queued' },
        data: { status: 'running', workerId, heartbeatAt: now, startedAt: now, attempts: { increment: 1 }, progress: 0, stage: 'starting' },
      });
      if (won.count === 1) return this.get(next.id);
      // another worker took it: look again
    }
    return null;
  }

  /** Progress + heartbeat; returns whether a cancel was requested (false also when the job is no longer ours). */
  async heartbeat(id: string, workerId: string, progress: number, stage: string): Promise<{ cancel: boolean; ours: boolean }> {
    const r = await this.db.job.updateMany({ where: { id, workerId, status: 'running' }, data: { progress, stage, heartbeatAt: new Date() } });
    if (r.count === 0) return { cancel: true, ours: false };
    const j = await this.db.job.findUnique({ where: { id }, select: { cancelRequested: true } });
    return { cancel: j?.cancelRequested ?? true, ours: true };
  }

  finish(id: string, workerId: string, end: { status: 'succeeded'; result: unknown } | { status: 'failed' | 'cancelled'; error: string }): Promise<{ count: number }> {
    const data =
      end.status === 'succeeded'
        ? { status: end.status, result: JSON.stringify(end.result), progress: 1, stage: 'done' }
        : { status: end.status, error: end.error, stage: end.status };
    return this.db.job.updateMany({ where: { id, workerId, status: 'running' }, data: { ...data, finishedAt: new Date() } });
  }

  /**
   * Jobs left running by a worker that stopped (heartbeat older than `staleMs`, or any running
   * job of a worker id in `deadWorkers`): re-queued when they have attempts left, else failed
   * with the reason (jobs being cancelled become cancelled). Returns what was done, for the log.
   */
  async recover(staleMs: number, deadWorkers: readonly string[] = []): Promise<{ requeued: string[]; failed: string[] }> {
    const cutoff = new Date(Date.now() - staleMs);
    const orphans = await this.db.job.findMany({
      where: { status: 'running', OR: [{ heartbeatAt: { lt: cutoff } }, { heartbeatAt: null }, ...(deadWorkers.length ? [{ workerId: { in: [...deadWorkers] } }] : [])] },
    });
    const requeued: string[] = [];
    const failed: string[] = [];
    for (const j of orphans) {
      const guard = { id: j.id, status: 'running', workerId: j.workerId };
      if (j.cancelRequested) {
        // it was being cancelled when its worker stopped: finish the cancel, do not re-run it
        const r = await this.db.job.updateMany({ where: guard, data: { status: 'cancelled', stage: 'cancelled', finishedAt: new Date() } });
        if (r.count) failed.push(j.id);
      } else if (j.attempts < MAX_ATTEMPTS) {
        const r = await this.db.job.updateMany({ where: guard, data: { status: 'queued', workerId: null, progress: 0, stage: `re-queued: its worker stopped during attempt ${j.attempts}` } });
        if (r.count) requeued.push(j.id);
      } else {
        const error = `its worker stopped (crash or restart) during each of ${j.attempts} attempts; not retried again`;
        const r = await this.db.job.updateMany({ where: guard, data: { status: 'failed', error, stage: 'failed', finishedAt: new Date() } });
        if (r.count) failed.push(j.id);
      }
    }
    return { requeued, failed };
  }

  /** A worker shutting down cleanly hands its running jobs back (the attempt does not count). */
  async requeueOwn(workerId: string): Promise<number> {
    const r = await this.db.job.updateMany({
      where: { workerId, status: 'running', cancelRequested: false },
      data: { status: 'queued', workerId: null, progress: 0, attempts: { decrement: 1 }, stage: 're-queued: its worker was stopped' },
    });
    await this.db.job.updateMany({ where: { workerId, status: 'running', cancelRequested: true }, data: { status: 'cancelled', stage: 'cancelled', finishedAt: new Date() } });
    return r.count;
  }
}
