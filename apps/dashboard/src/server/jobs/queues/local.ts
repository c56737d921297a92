/**
 * The embedded default's queue (SQLite): the Job table itself. A queued row is runnable as it
 * is (nothing to dispatch); the worker polls for the oldest one and claims it with a
 * conditional update, so two workers sharing the file never take the same job. Live progress
 * re-reads the row: the web server and the worker are separate processes on one machine with
 * no notification channel between them through SQLite, and a read of one row costs microseconds.
 */
import { sleep, type Claimed, type Claimer, type JobQueue, type QueueRunner, type Subscription, type WorkOptions } from './queue.js';

/** How often a live-progress stream re-reads its job on SQLite (ms). */
export const LOCAL_WATCH_MS = 250;

export class LocalQueue implements JobQueue {
  readonly engine = 'local' as const;

  async dispatch(): Promise<void> {}

  async release(): Promise<void> {}

  /** The row is the entry: nothing can drift. */
  async reconcile(): Promise<{ redispatched: string[]; dropped: number }> {
    return { redispatched: [], dropped: 0 };
  }

  async subscribe(): Promise<Subscription> {
    return { wait: (ms, signal) => sleep(Math.min(ms, LOCAL_WATCH_MS), signal), close: () => undefined };
  }

  async close(): Promise<void> {}

  async work(claimer: Claimer, run: (c: Claimed) => Promise<void>, o: WorkOptions): Promise<QueueRunner> {
    const running = new Map<string, Promise<void>>();
    const stop = new AbortController();
    const loop = (async () => {
      while (!stop.signal.aborted) {
        try {
          while (running.size < o.concurrency && !stop.signal.aborted) {
            const job = await claimer.claimNext(o.workerId);
            if (!job) break;
            running.set(job.id, run({ job, workerId: o.workerId }).finally(() => running.delete(job.id)));
          }
        } catch (e) {
          o.log(`database error: ${(e as Error).message}`); // keep going: the next poll retries
        }
        await sleep(o.pollMs ?? 250, stop.signal);
      }
    })();
    const stopTaking = async (): Promise<void> => {
      stop.abort();
      await loop;
    };
    return {
      stop: stopTaking,
      async idle() {
        await stopTaking();
        await Promise.allSettled(running.values());
      },
    };
  }
}
