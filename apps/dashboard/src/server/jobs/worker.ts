/**
 * The job worker: claims queued jobs (up to `concurrency` at once), runs them off the request
 * path, writes progress and a heartbeat to the database, honours cancellation, and sweeps for
 * jobs whose worker died (store.recover). The embedded default runs one in its own process
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
import type { JobStore } from './store.js';

export interface WorkerOptions {
  readonly concurrency: number;
  /** How often to look for queued jobs (ms). */
  readonly pollMs?: number;
  /** How often a running job's progress and heartbeat are written (ms). */
  readonly heartbeatMs?: number;
  /** A running job whose heartbeat is older than this belongs to a dead worker (ms). */
  readonly staleMs?: number;
  /** The only worker of this database: every job left running at start is an orphan. */
  readonly sole?: boolean;
  readonly log?: (line: string) => void;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const isKind = (k: string): k is JobKind => (JOB_KINDS as readonly string[]).includes(k);

export class JobWorker {
  readonly id = `${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;
  private readonly running = new Map<string, Promise<void>>();
  private stopping = false;
  private loop: Promise<void> | undefined;
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

  async start(): Promise<void> {
    await this.sweep(this.o.sole ? 0 : this.staleMs);
    this.loop = this.run();
  }

  private get staleMs(): number {
    return this.o.staleMs ?? 15_000;
  }

  private async sweep(staleMs: number): Promise<void> {
    const r = await this.store.recover(staleMs);
    for (const id of r.requeued) this.log(`job ${id}: its worker stopped; re-queued`);
    for (const id of r.failed) this.log(`job ${id}: its worker stopped; not re-run (attempts used up, or it was being cancelled)`);
  }

  private async run(): Promise<void> {
    let lastSweep = Date.now();
    while (!this.stopping) {
      try {
        while (this.running.size < this.o.concurrency && !this.stopping) {
          const job = await this.store.claim(this.id);
          if (!job) break;
          const p = this.execute(job).finally(() => this.running.delete(job.id));
          this.running.set(job.id, p);
        }
        if (Date.now() - lastSweep > this.staleMs / 3) {
          lastSweep = Date.now();
          await this.sweep(this.staleMs);
        }
      } catch (e) {
        this.log(`database error: ${(e as Error).message}`); // keep going: the next poll retries
      }
      await sleep(this.o.pollMs ?? 250);
    }
  }

  private async execute(job: Job): Promise<void> {
    this.log(`job ${job.id} (${job.kind}) started, attempt ${job.attempts}`);
    let latest = { progress: 0, stage: 'starting' };
    let cancel = false;
    const ctx: JobContext = {
      services: this.services,
      jobId: job.id,
      saveFile: (name, bytes) => saveJobFile(this.services.env.dataDir, job.id, name, bytes),
      report: (progress, stage) => {
        if (cancel) throw new JobCancelled();
        latest = { progress: Math.min(1, Math.max(0, progress)), stage };
      },
    };
    let beating = Promise.resolve();
    const beat = (): void => {
      beating = beating
        .then(() => this.store.heartbeat(job.id, this.id, latest.progress, latest.stage))
        .then((r) => {
          if (r.cancel) cancel = true;
        })
        .catch((e: Error) => this.log(`job ${job.id}: heartbeat failed: ${e.message}`));
    };
    const timer = setInterval(beat, this.o.heartbeatMs ?? 500);
    let end: Parameters<JobStore['finish']>[2];
    try {
      if (!isKind(job.kind)) throw new Error(`unknown job kind '${job.kind}'`);
      const result = await runJob(job.kind, JSON.parse(job.input), ctx);
      end = cancel ? { status: 'cancelled', error: 'cancelled by request' } : { status: 'succeeded', result };
    } catch (e) {
      if (e instanceof JobCancelled || cancel) end = { status: 'cancelled', error: 'cancelled by request' };
      else {
        end = { status: 'failed', error: publicMessage(e) };
        this.log(`job ${job.id} failed: ${(e as Error).stack ?? String(e)}`);
      }
    } finally {
      clearInterval(timer);
      await beating;
    }
    const r = await this.recording(job.id, () => this.store.finish(job.id, this.id, end));
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

  /** Stops claiming; running jobs are handed back to the queue unless `drain` waits for them. */
  async stop(drain = false): Promise<void> {
    this.stopping = true;
    await this.loop;
    if (drain) await Promise.allSettled(this.running.values());
    else {
      const n = await this.store.requeueOwn(this.id);
      if (n) this.log(`stopped: ${n} running job(s) handed back to the queue`);
    }
  }
}
