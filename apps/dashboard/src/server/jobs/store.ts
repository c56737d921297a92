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
 * Every transition into `queued` also makes the job runnable in the queue's engine, in the
 * same transaction (queues/queue.ts).
 */
import { randomUUID } from 'node:crypto';
import type { Db, Job } from '../db.js';
import { TERMINAL_STATUSES, type JobKind } from '../schemas.js';
import type { BlobStore } from '../blobs/store.js';
import { removeJobFiles } from './files.js';
import type { Claimer, JobQueue, Subscription } from './queues/index.js';

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

/** Matches the rows a worker process holds: its id, or its id + '/' + an engine slot (graphile-worker). */
const heldBy = (workerId: string) => ({ OR: [{ workerId }, { workerId: { startsWith: `${workerId}/` } }] });

export class JobStore implements Claimer {
  constructor(
    private readonly db: Db,
    readonly queue: JobQueue,
  ) {}

  /** Queues a job (`id`: when its files were kept before the row, e.g. its upload). */
  async create(kind: JobKind, input: unknown, id: string = randomUUID()): Promise<Job> {
    return this.db.$transaction(async (tx) => {
      const job = await tx.job.create({ data: { id, kind, input: JSON.stringify(input) } });
      await this.queue.dispatch(tx, job.id);
      return job;
    });
  }

  /** Follows one job's changes (live progress); see JobQueue.subscribe. */
  subscribe(id: string): Promise<Subscription> {
    return this.queue.subscribe(id);
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

  /** Job `id`, now running under `workerId`, or null when it is not queued (cancelled, or another worker took it). */
  async claim(id: string, workerId: string): Promise<Job | null> {
    const now = new Date();
    const won = await this.db.job.updateMany({
      where: { id, status: 'queued' },
      data: { status: 'running', workerId, heartbeatAt: now, startedAt: now, attempts: { increment: 1 }, progress: 0, stage: 'starting' },
    });
    return won.count === 1 ? this.get(id) : null;
  }

  /** The oldest queued job, now running under `workerId`, or null when none is left. */
  async claimNext(workerId: string): Promise<Job | null> {
    for (let tries = 0; tries < 5; tries++) {
      const next = await this.db.job.findFirst({ where: { status: 'queued' }, orderBy: { createdAt: 'asc' } });
      if (!next) return null;
      const job = await this.claim(next.id, workerId);
      if (job) return job;
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
   * Jobs left running by a worker that stopped (heartbeat older than `staleMs`): re-queued when
   * they have attempts left, else failed with the reason (jobs being cancelled become
   * cancelled). Returns what was done, for the log.
   */
  async recover(staleMs: number): Promise<{ requeued: string[]; failed: string[] }> {
    const cutoff = new Date(Date.now() - staleMs);
    const orphans = await this.db.job.findMany({
      where: { status: 'running', OR: [{ heartbeatAt: { lt: cutoff } }, { heartbeatAt: null }] },
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
        const r = await this.requeue(guard, { stage: `re-queued: its worker stopped during attempt ${j.attempts}` });
        if (r) requeued.push(j.id);
      } else {
        const error = `its worker stopped (crash or restart) during each of ${j.attempts} attempts; not retried again`;
        const r = await this.db.job.updateMany({ where: guard, data: { status: 'failed', error, stage: 'failed', finishedAt: new Date() } });
        if (r.count) failed.push(j.id);
      }
    }
    // what the dead workers still hold in the engine is freed now, not hours later
    await this.queue.release(orphans.map((j) => j.workerId ?? ''));
    return { requeued, failed };
  }

  /** A running row back to queued, and runnable in the engine, in one transaction; false when the guard no longer matched. */
  private requeue(guard: { id: string; status: string; workerId: string | null }, data: { stage: string; attempts?: { decrement: number } }): Promise<boolean> {
    return this.db.$transaction(async (tx) => {
      const r = await tx.job.updateMany({ where: guard, data: { status: 'queued', workerId: null, progress: 0, ...data } });
      if (r.count) await this.queue.dispatch(tx, guard.id);
      return r.count === 1;
    });
  }

  /**
   * Deletes jobs that ended before `cutoff`, files first (a failure leaves the row, and the
   * next sweep tries again), at most `limit` per call; returns their ids.
   */
  async expire(cutoff: Date, blobs: BlobStore, limit = 200): Promise<string[]> {
    const old = await this.db.job.findMany({ where: { status: { in: [...TERMINAL_STATUSES] }, finishedAt: { lt: cutoff } }, select: { id: true }, orderBy: { finishedAt: 'asc' }, take: limit });
    for (const j of old) await removeJobFiles(blobs, j.id);
    const ids = old.map((j) => j.id);
    if (ids.length) await this.db.job.deleteMany({ where: { id: { in: ids }, status: { in: [...TERMINAL_STATUSES] } } });
    return ids;
  }

  /** A worker shutting down cleanly hands its running jobs back (the attempt does not count). */
  async requeueOwn(workerId: string): Promise<number> {
    const held = await this.db.job.findMany({ where: { ...heldBy(workerId), status: 'running' }, select: { id: true, workerId: true, cancelRequested: true } });
    let n = 0;
    for (const j of held) {
      const guard = { id: j.id, status: 'running', workerId: j.workerId };
      if (j.cancelRequested) await this.db.job.updateMany({ where: guard, data: { status: 'cancelled', stage: 'cancelled', finishedAt: new Date() } });
      else if (await this.requeue(guard, { stage: 're-queued: its worker was stopped', attempts: { decrement: 1 } })) n++;
    }
    return n;
  }
}
