/**
 * Heartbeats off the jobs' event loop. A job's runner shares its worker's event loop, and a
 * long synchronous stretch (measured: CPU-bound steps under CI load) held a timer-driven
 * heartbeat back until a live job looked dead and was run a second time. The beats are
 * written from a worker thread instead (heartbeat-thread.ts); the job posts its progress to
 * the thread, and reads cancellation from a flag in shared memory, so both work however busy
 * the job's thread is. The other side of this: a heartbeat now says the worker process is
 * alive, not that the job makes progress; a job stuck for good keeps beating until cancelled.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { APP_DIR } from '../env.js';

export interface ThreadSetup {
  readonly databaseUrl: string;
  readonly intervalMs: number;
}

export type ThreadMessage =
  | { readonly t: 'watch'; readonly id: string; readonly workerId: string; readonly flag: SharedArrayBuffer }
  | { readonly t: 'progress'; readonly id: string; readonly progress: number; readonly stage: string }
  | { readonly t: 'unwatch'; readonly id: string }
  | { readonly t: 'close' };

/** One running job's side of the heartbeat. */
export interface Beat {
  /** Sends progress to the thread (latest wins; at most every PROGRESS_MS, and on every stage change). */
  report(progress: number, stage: string): void;
  /** The database said the job was cancelled, or is no longer this worker's. */
  readonly cancelled: boolean;
  stop(): void;
}

/** Progress posts are cheap, but a runner may report thousands of times a second. */
const PROGRESS_MS = 50;

/** The compiled thread: next to this file once built (dist/), or in dist/ when this runs from the sources (tests). */
function threadFile(): string {
  const here = fileURLToPath(new URL('./heartbeat-thread.js', import.meta.url));
  if (existsSync(here)) return here;
  const built = join(APP_DIR, 'dist', 'server', 'jobs', 'heartbeat-thread.js');
  if (existsSync(built)) return built;
  throw new Error(`the heartbeat thread is not built (${built}): run tsc -b apps/dashboard`);
}

export class Heartbeats {
  private readonly thread: Worker;
  private readonly ready: Promise<void>;
  private readonly exited: Promise<void>;

  constructor(setup: ThreadSetup, log: (line: string) => void) {
    this.thread = new Worker(threadFile(), { workerData: setup });
    this.thread.unref(); // never what keeps a process alive
    this.exited = new Promise((r) => this.thread.once('exit', () => r()));
    this.ready = new Promise((resolve, reject) => {
      this.thread.on('message', (m: { t: string; line?: string }) => {
        if (m.t === 'ready') resolve();
        else if (m.t === 'log' && m.line) log(m.line);
      });
      this.thread.once('error', (e) => {
        log(`heartbeat thread failed: ${e.message}`);
        reject(e);
      });
    });
  }

  /** Resolves once the thread has its database connection. */
  started(): Promise<void> {
    return this.ready;
  }

  watch(id: string, workerId: string): Beat {
    const flag = new SharedArrayBuffer(4);
    const cancelled = new Int32Array(flag);
    const post = (m: ThreadMessage): void => this.thread.postMessage(m);
    post({ t: 'watch', id, workerId, flag });
    let lastPost = 0;
    let lastStage = '';
    return {
      report(progress, stage) {
        const now = Date.now();
        if (now - lastPost < PROGRESS_MS && stage === lastStage) return;
        lastPost = now;
        lastStage = stage;
        post({ t: 'progress', id, progress, stage });
      },
      get cancelled() {
        return Atomics.load(cancelled, 0) === 1;
      },
      stop: () => post({ t: 'unwatch', id }),
    };
  }

  async close(): Promise<void> {
    this.thread.postMessage({ t: 'close' } satisfies ThreadMessage);
    // bounded like disconnectDb: a thread stuck on a dead connection is ended by force
    const t = setTimeout(() => void this.thread.terminate(), 6_000);
    await this.exited;
    clearTimeout(t);
  }
}
