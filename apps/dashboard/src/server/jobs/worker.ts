/**
 * The job worker: takes jobs from the database's queue (queues/: graphile-worker on Postgres,
 * the local queue on SQLite; up to `concurrency` at once), runs them off the request path,
 * writes progress and a heartbeat to the database, honours cancellation, and sweeps for jobs
 * whose worker died (store.recover). The embedded default runs one in its own process
 * beside the web server (worker-main.ts); docker-compose.yml runs it as a service.
 */
import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Job } from '../db.js';
import { publicMessage } from '../errors.js';
import { JOB_KINDS, type JobKind } from '../schemas.js';
import type { Services } from '../services/index.js';
import { JobCancelled, type JobContext } from './context.js';
import { runJob } from './runners/index.js';
import { saveJobFile } from './files.js';
import { Heartbeats } from './heartbeat.js';
import type { Claimed, QueueRunner } from './queues/index.js';
import type { JobStore } from './store.js';

export interface WorkerOptions {
  readonly concurrency: number;
  /** How often the local queue (SQLite) looks for queued jobs (ms); graphile-worker is woken by NOTIFY and polls only as a fallback (default 2 s). */
  readonly pollMs?: number;
  /** How often a running job's progress and heartbeat are written (ms), from the heartbeat thread. */
  readonly heartbeatMs?: number;
  /** A running job whose heartbeat is older than this belongs to a dead worker (ms). */
  readonly staleMs?: number;
  /** The only worker of this database: every job left running at start is an orphan. */
  readonly sole?: boolean;
  readonly log?: (line: string) => void;
}

const EXPIRY_EVERY_MS = 3_600_000;
/** How long a stopping worker waits for handed-back jobs to notice (their next progress report). */
const HANDBACK_WAIT_MS = 5_000;
const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms).unref());
const isKind = (k: string): k is JobKind => (JOB_KINDS as readonly string[]).includes(k);

export class JobWorker {
  readonly id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private runner: QueueRunner | undefined;
  private heartbeats: Heartbeats | undefined;
  private sweeper: NodeJS.Timeout | undefined;
  private sweeping = Promise.resolve();
  private lastExpiry = 0;
  private readonly running = new Set<string>();
  private readonly log: (line: string) => void;

  constructor(
    private readonly store: JobStore,
    private readonly services: Services,
    private readonly o: WorkerOptions,
  ) {
    this.log = o.log ?? ((l) => console.log(`worker: ${l}`));
  }

  get active(): number {
    return this.running.size;
  }

  /** The queue's engine ('local' on SQLite, 'graphile-worker' on Postgres). */
  get engine(): string {
    return this.store.queue.engine;
  }

  async start(): Promise<void> {
    this.heartbeats = new Heartbeats({ databaseUrl: this.services.env.databaseUrl, intervalMs: this.o.heartbeatMs ?? 500 }, this.log);
    await this.heartbeats.started();
    await this.sweep(this.o.sole ? 0 : this.staleMs);
    this.runner = await this.store.queue.work(this.store, (c) => this.execute(c), { concurrency: this.o.concurrency, workerId: this.id, pollMs: this.o.pollMs, log: this.log });
    this.sweeper = setInterval(() => {
      this.sweeping = this.sweeping.then(() => this.sweep(this.staleMs)).catch((e: Error) => this.log(`database error: ${e.message}`));
    }, this.staleMs / 3);
  }

  private get staleMs(): number {
    return this.o.staleMs ?? 15_000;
  }

  private async sweep(staleMs: number): Promise<void> {
    const r = await this.store.recover(staleMs);
    for (const id of r.requeued) this.log(`job ${id}: its worker stopped; re-queued`);
    for (const id of r.failed) this.log(`job ${id}: its worker stopped; not re-run (attempts used up, or it was being cancelled)`);
    const q = await this.store.queue.reconcile();
    for (const id of q.redispatched) this.log(`job ${id}: queued but no longer held by the job engine (its hand-overs failed); dispatched again`);
    if (q.dropped) this.log(`job engine: dropped ${q.dropped} entr${q.dropped === 1 ? 'y' : 'ies'} of jobs no longer queued`);
    await this.expire();
  }

  /** Retention (GRADLOC_JOB_RETENTION_DAYS): jobs that ended longer ago go, with their files; looked at hourly. */
  private async expire(): Promise<void> {
    const days = this.services.env.retentionDays;
    if (days <= 0 || Date.now() - this.lastExpiry < EXPIRY_EVERY_MS) return;
    this.lastExpiry = Date.now();
    const gone = await this.store.expire(new Date(Date.now() - days * 86_400_000), this.services.blobs);
    if (gone.length) this.log(`retention: deleted ${gone.length} job(s) that ended more than ${days} day(s) ago, with their files`);
  }

  private async execute({ job, workerId }: Claimed): Promise<void> {
    this.running.add(job.id);
    try {
      await this.executeClaimed(job, workerId);
    } finally {
      this.running.delete(job.id);
    }
  }

  private async executeClaimed(job: Job, workerId: string): Promise<void> {
    this.log(`job ${job.id} (${job.kind}) started, attempt ${job.attempts}`);
    const beat = this.heartbeats!.watch(job.id, workerId);
    const ctx: JobContext = {
      services: this.services,
      jobId: job.id,
      saveFile: (name, bytes) => saveJobFile(this.services.blobs, job.id, name, bytes),
      report: (progress, stage) => {
        if (beat.cancelled) throw new JobCancelled();
        beat.report(Math.min(1, Math.max(0, progress)), stage);
      },
    };
    let end: Parameters<JobStore['finish']>[2];
    try {
      if (!isKind(job.kind)) throw new Error(`unknown job kind '${job.kind}'`);
      const result = await runJob(job.kind, JSON.parse(job.input), ctx);
      end = beat.cancelled ? { status: 'cancelled', error: 'cancelled by request' } : { status: 'succeeded', result };
    } catch (e) {
      if (e instanceof JobCancelled || beat.cancelled) end = { status: 'cancelled', error: 'cancelled by request' };
      else {
        end = { status: 'failed', error: publicMessage(e) };
        this.log(`job ${job.id} failed: ${(e as Error).stack ?? String(e)}`);
      }
    } finally {
      beat.stop();
    }
    const r = await this.recording(job.id, () => this.store.finish(job.id, workerId, end));
    if (r) this.log(`job ${job.id} ${end.status}${r.count ? '' : ' (but it was no longer ours: not recorded)'}`);
  }

  /**
   * Writes a finished job's end, retrying while the database is unreachable (a restart, a
   * failover): the work is done, and giving up would leave the job to be re-run from scratch
   * once its heartbeat goes stale. Retries for about a minute, then leaves it to recovery.
   */
  private async recording<T>(id: string, write: () => Promise<T>): Promise<T | undefined> {
    for (let attempt = 0, wait = 100; ; attempt++, wait = Math.min(wait * 2, 5_000)) {
      try {
        return await write();
      } catch (e) {
        if (attempt >= 15) {
          this.log(`job ${id}: could not record its end (${(e as Error).message}); recovery will re-queue it`);
          return undefined;
        }
        this.log(`job ${id}: database unreachable while recording its end (${(e as Error).message}); retrying in ${wait} ms`);
        await sleep(wait);
      }
    }
  }

  /**
   * Stops claiming. Running jobs are handed back to the queue (another worker, or the next
   * start, runs them) unless `drain` waits for them; a handed-back job stops at its next
   * progress report, and this waits for that at most `HANDBACK_WAIT_MS`.
   */
  async stop(drain = false): Promise<void> {
    clearInterval(this.sweeper);
    await this.sweeping;
    if (this.runner) {
      if (drain) await this.runner.idle();
      else {
        await this.runner.stop();
        const n = await this.store.requeueOwn(this.id);
        if (n) this.log(`stopped: ${n} running job(s) handed back to the queue`);
        await Promise.race([this.runner.idle(), sleep(HANDBACK_WAIT_MS)]);
      }
    }
    await this.heartbeats?.close();
  }
}
