/**
 * The worker process: `node dist/server/worker-main.js [--sole]`. --sole (the embedded default,
 * started by scripts/start.mjs) says no other worker shares the database, so every job left
 * running at start was interrupted and is recovered at once; without it (several workers,
 * docker-compose.yml) a job is recovered when its heartbeat goes stale.
 */
import { createDb, disconnectDb } from './db.js';
import { loadEnv } from './env.js';
import { jobQueue } from './jobs/queues/index.js';
import { JobStore } from './jobs/store.js';
import { JobWorker } from './jobs/worker.js';
import { createServices } from './services/index.js';

const env = loadEnv();
const db = await createDb(env.databaseUrl);
const services = createServices(env);
const worker = new JobWorker(new JobStore(db, jobQueue(db, env.databaseUrl)), services, { concurrency: env.workerConcurrency, staleMs: env.staleMs, sole: process.argv.includes('--sole') });
await worker.start();
console.log(`worker: ${worker.id} running up to ${env.workerConcurrency} job(s) at once (queue: ${worker.engine})`);

let stopping = false;
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    void worker
      .stop()
      .then(() => services.release())
      .then(() => disconnectDb(db))
      .finally(() => process.exit(0));
  });
}
