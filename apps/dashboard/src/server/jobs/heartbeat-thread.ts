/**
 * The heartbeat thread (heartbeat.ts starts it): writes each running job's progress and
 * heartbeat every `intervalMs` from its own event loop and database connection, so a job's
 * long synchronous stretches (a kernel, a quantization step) cannot make it look dead. When
 * the database says a job was cancelled, or is no longer this worker's, it raises the job's
 * shared flag, which the job's next progress report reads.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { createDb, disconnectDb } from '../db.js';
import { jobQueue } from './queues/index.js';
import { JobStore } from './store.js';
import type { ThreadMessage, ThreadSetup } from './heartbeat.js';

interface Beating {
  readonly workerId: string;
  readonly flag: Int32Array;
  progress: number;
  stage: string;
}

const setup = workerData as ThreadSetup;
const port = parentPort!;
const db = await createDb(setup.databaseUrl);
const store = new JobStore(db, jobQueue(db, setup.databaseUrl));
const jobs = new Map<string, Beating>();
const log = (line: string): void => port.postMessage({ t: 'log', line });

port.on('message', (m: ThreadMessage) => {
  if (m.t === 'watch') jobs.set(m.id, { workerId: m.workerId, flag: new Int32Array(m.flag), progress: 0, stage: 'starting' });
  else if (m.t === 'progress') {
    const j = jobs.get(m.id);
    if (j) Object.assign(j, { progress: m.progress, stage: m.stage });
  } else if (m.t === 'unwatch') jobs.delete(m.id);
  else if (m.t === 'close') {
    clearInterval(timer);
    void disconnectDb(db).finally(() => port.close());
  }
});

let busy = false;
const timer = setInterval(() => {
  if (busy) return; // the last round is still waiting on the database: no pile-up
  busy = true;
  void Promise.all(
    [...jobs].map(async ([id, j]) => {
      try {
        const r = await store.heartbeat(id, j.workerId, j.progress, j.stage);
        if (r.cancel) Atomics.store(j.flag, 0, 1);
      } catch (e) {
        log(`job ${id}: heartbeat failed: ${(e as Error).message}`);
      }
    }),
  ).finally(() => (busy = false));
}, setup.intervalMs);
port.postMessage({ t: 'ready' });
