/**
 * What runs jobs, behind one interface with two implementations (issue 21):
 *
 * - `local` (SQLite, the embedded default): the Job table is the queue; a worker polls it and
 *   claims the oldest queued row with a conditional update.
 * - `graphile-worker` (Postgres, scale-out): the engine holds one entry per queued job (job key
 *   = the job's id), hands it to one worker with SELECT ... FOR UPDATE SKIP LOCKED, woken by
 *   LISTEN/NOTIFY instead of polling, and retries a failed hand-over with exponential backoff.
 *
 * In both the Job row stays the record users see (status, progress, result) and the state
 * machine in store.ts guards every transition, so the engine only decides who runs what when.
 * A row is made runnable (`dispatch`) in the same transaction that queues it, so a job is never
 * queued without an engine entry, nor the reverse.
 */
import type { Job } from '../../db.js';
import type { Prisma } from '../../../generated/sqlite/client.js';

/** The transaction a row is queued in (`db.$transaction(async (tx) => ...)`). */
export type Tx = Prisma.TransactionClient;

/** A job a worker now runs, and the worker id its row records (heartbeats and the end are guarded by it). */
export interface Claimed {
  readonly job: Job;
  readonly workerId: string;
}

/** How a queue hands a job to the worker: claims its row (store.claimById) and runs it. */
export interface Claimer {
  /** The row, now running under `workerId`; null when it is no longer queued (cancelled, or taken). */
  claim(id: string, workerId: string): Promise<Job | null>;
  /** The oldest queued row, claimed under `workerId` (the local queue's way), or null. */
  claimNext(workerId: string): Promise<Job | null>;
}

export interface WorkOptions {
  /** Jobs run at once by this process. */
  readonly concurrency: number;
  /** This process's worker id; each job's row records it (with a per-slot suffix on graphile-worker). */
  readonly workerId: string;
  /** How often the local queue looks for work (ms); graphile-worker's fallback poll (default 2 s). */
  readonly pollMs?: number;
  readonly log: (line: string) => void;
}

export interface QueueRunner {
  /** Stops taking new jobs (running ones go on). */
  stop(): Promise<void>;
  /** Stops taking new jobs and resolves once the running ones have returned. */
  idle(): Promise<void>;
}

/** Wake-ups for one job's live-progress stream. */
export interface Subscription {
  /** Resolves when the job may have changed since the last wait, after `ms` at the latest, or on abort. */
  wait(ms: number, signal?: AbortSignal): Promise<void>;
  close(): void;
}

export interface JobQueue {
  readonly engine: 'local' | 'graphile-worker';
  /** Makes the queued row `id` runnable, inside the transaction that queued it. */
  dispatch(tx: Tx, id: string): Promise<void>;
  /** Starts handing jobs to `run`, up to `concurrency` at once. */
  work(claimer: Claimer, run: (c: Claimed) => Promise<void>, o: WorkOptions): Promise<QueueRunner>;
  /** Frees what workers that stopped still hold in the engine (their rows were re-queued or ended already). */
  release(workerIds: readonly string[]): Promise<void>;
  /**
   * Repairs what can drift between the rows and the engine: queued rows the engine no longer
   * holds a live entry for (it gave up after its hand-overs failed, or the entry was deleted by
   * hand) get a new one; entries of rows that ended (cancelled while queued) or are gone
   * (deleted by retention), held by no worker, are dropped.
   */
  reconcile(): Promise<{ redispatched: string[]; dropped: number }>;
  /** Follows job `id`'s changes (status, progress, stage, cancel); subscribe before reading the row, so no change falls between. */
  subscribe(id: string): Promise<Subscription>;
  close(): Promise<void>;
}

/**
 * Resolves after `ms`, at once on abort, or when the function handed to `onWake` is called
 * (the abort listener goes with the timer: loops sleep on one signal many times).
 */
export const sleep = (ms: number, signal?: AbortSignal, onWake?: (wake: () => void) => void): Promise<void> =>
  new Promise((resolve) => {
    if (signal?.aborted) return resolve();
    const done = (): void => {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    };
    const t = setTimeout(done, ms);
    signal?.addEventListener('abort', done, { once: true });
    onWake?.(done);
  });
