#!/usr/bin/env node
/**
 * `npm run job-engines -w @gradloc/dashboard [-- --runs N --write]`: the measurement behind the
 * choice of job engine (README "Job engines"). On one throwaway Postgres cluster
 * (postgres-cluster.mjs; loopback, fsync off) and one SQLite file:
 *   - pg-boss 10.4 (the line that runs on Node 20) and graphile-worker 0.16, each on its own:
 *     enqueue rate, pickup latency of an idle worker (enqueue -> handler start), and the rate
 *     at which 2 workers drain queued no-op jobs;
 *   - gradloc's own queues end to end (JobStore.create -> the handler holds the claimed row):
 *     graphile-worker behind the JobQueue interface (Postgres) and the local queue (SQLite).
 * Each figure is the median over --runs runs (default 3). Needs the compiled server (tsc -b).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Logger, makeWorkerUtils, run } from 'graphile-worker';
import PgBoss from 'pg-boss';
import pg from 'pg';
import { startPostgres } from './postgres-cluster.mjs';
import { writeSection } from './readme-section.mjs';
import { median, quantile } from './stats.mjs';

const { values } = parseArgs({ options: { runs: { type: 'string', default: '3' }, write: { type: 'boolean', default: false } } });
const RUNS = Math.max(1, Number(values.runs));
const APP = join(import.meta.dirname, '..');
const server = await import(join(APP, 'dist', 'server', 'index.js'));
const { migratePostgres } = await import(join(APP, 'dist', 'server', 'pg-migrate.js'));

const ENQUEUE = 500;
const PICKUPS = 50;
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const quiet = new Logger(() => () => {});

const cluster = await startPostgres();
let dbCount = 0;
async function freshDatabase() {
  const name = `bench${dbCount++}`;
  const c = new pg.Client({ connectionString: cluster.url });
  await c.connect();
  await c.query(`CREATE DATABASE ${name}`);
  await c.end();
  return cluster.url.replace(/\/postgres$/, `/${name}`);
}

/** enqueue -> handler start, one job at a time on an idle worker. */
async function pickups(enqueue, started) {
  const lat = [];
  for (let i = 0; i < PICKUPS; i++) {
    const t0 = performance.now();
    const key = await enqueue(i);
    while (!started.has(key)) await sleep(1);
    lat.push(started.get(key) - t0);
    await sleep(20 + Math.random() * 250); // idle again, and out of step with any polling
  }
  return lat;
}

async function enqueueRate(enqueue) {
  const t0 = performance.now();
  for (let i = 0; i < ENQUEUE; i++) await enqueue(i);
  return ENQUEUE / ((performance.now() - t0) / 1000);
}

async function drainRate(n, enqueue, startWorkers) {
  for (let i = 0; i < n; i++) await enqueue(-1);
  let done = 0;
  const t0 = performance.now();
  const stop = await startWorkers(() => done++);
  while (done < n) await sleep(5);
  const rate = n / ((performance.now() - t0) / 1000);
  await stop();
  return rate;
}

async function benchPgBoss() {
  const url = await freshDatabase();
  // its shortest polling interval (0.5 s; the default is 2 s): pg-boss at its fastest
  const work = { pollingIntervalSeconds: 0.5, batchSize: 1 };
  const boss = new PgBoss({ connectionString: url });
  boss.on('error', () => {});
  await boss.start();
  await boss.createQueue('bench');
  const send = (i) => boss.send('bench', { i });
  const enq = await enqueueRate(send);
  await boss.purgeQueue('bench');
  const started = new Map();
  await boss.work('bench', work, async ([job]) => void started.set(job.data.i, performance.now()));
  const lat = await pickups(async (i) => (await send(i), i), started);
  await boss.offWork('bench');
  const drain = await drainRate(40, send, async (tick) => {
    const second = new PgBoss({ connectionString: url });
    second.on('error', () => {});
    await second.start();
    const h = async () => void tick();
    await boss.work('bench', work, h);
    await second.work('bench', work, h);
    return async () => {
      await boss.offWork('bench');
      await second.stop({ graceful: false, wait: true });
    };
  });
  await boss.stop({ graceful: false, wait: true });
  return { enq, lat, drain };
}

async function benchGraphile() {
  const url = await freshDatabase();
  const utils = await makeWorkerUtils({ connectionString: url, logger: quiet });
  await utils.migrate();
  const add = (i) => utils.addJob('bench', { i });
  const enq = await enqueueRate(add);
  await utils.withPgClient((c) => c.query('DELETE FROM graphile_worker._private_jobs'));
  const started = new Map();
  const opts = (task) => ({ connectionString: url, concurrency: 1, noHandleSignals: true, logger: quiet, taskList: { bench: task } });
  const one = await run(opts(async (p) => void started.set(p.i, performance.now())));
  const lat = await pickups(async (i) => (await add(i), i), started);
  await one.stop();
  const drain = await drainRate(1000, add, async (tick) => {
    const h = async () => void tick();
    const [a, b] = [await run(opts(h)), await run(opts(h))];
    return async () => {
      await a.stop();
      await b.stop();
    };
  });
  await utils.release();
  return { enq, lat, drain };
}

/** gradloc's queue of `url`: JobStore.create -> the worker's handler has claimed the row. */
async function benchGradloc(url) {
  const db = await server.createDb(url);
  const store = new server.JobStore(db, server.jobQueue(db, url));
  const started = new Map();
  const runner = await store.queue.work(store, async ({ job }) => void started.set(job.id, performance.now()), { concurrency: 1, workerId: 'bench', log: () => {} });
  await sleep(500);
  const lat = await pickups(async () => (await store.create('quant', { method: 'rtn' })).id, started);
  await runner.idle();
  await server.disconnectDb(db);
  return { lat };
}

async function gradlocPostgres() {
  const url = await freshDatabase();
  await migratePostgres(url, join(APP, 'prisma', 'postgres', 'migrations'));
  return benchGradloc(url);
}

async function gradlocSqlite() {
  const dir = mkdtempSync(join(tmpdir(), 'gradloc-bench-'));
  const url = `file:${join(dir, 'bench.db')}`;
  execFileSync(process.execPath, [join(APP, '..', '..', 'node_modules', 'prisma', 'build', 'index.js'), 'migrate', 'deploy'], {
    cwd: APP,
    env: { ...process.env, DATABASE_URL: url, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' },
    stdio: 'pipe',
  });
  try {
    return await benchGradloc(url);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

const rows = { 'pg-boss 10.4.2': [], 'graphile-worker 0.16.6': [], 'gradloc queue, Postgres (graphile-worker)': [], 'gradloc queue, SQLite (local, 250 ms poll)': [] };
const t0 = Date.now();
try {
  for (let r = 0; r < RUNS; r++) {
    rows['pg-boss 10.4.2'].push(await benchPgBoss());
    rows['graphile-worker 0.16.6'].push(await benchGraphile());
    rows['gradloc queue, Postgres (graphile-worker)'].push(await gradlocPostgres());
    rows['gradloc queue, SQLite (local, 250 ms poll)'].push(await gradlocSqlite());
    console.error(`run ${r + 1}/${RUNS} done`);
  }
} finally {
  cluster.stop();
}

const fmt = (x, d = 1) => (x === undefined ? '-' : x.toFixed(d));
const lines = [
  `Medians of ${RUNS} runs (\`npm run job-engines -w @gradloc/dashboard -- --write\`, ${Math.round((Date.now() - t0) / 1000)} s): one throwaway Postgres cluster on loopback (fsync off), ${PICKUPS} pickups per run on an idle worker, ${ENQUEUE} enqueues, drains of no-op jobs by 2 workers (40 jobs for pg-boss, 1000 for graphile-worker); node ${process.version}.`,
  '',
  '| engine | enqueue (jobs/s) | pickup p50 (ms) | pickup p99 (ms) | drain, 2 workers (jobs/s) |',
  '|---|---|---|---|---|',
];
for (const [name, runs] of Object.entries(rows)) {
  const m = (f) => (runs.every((r) => r[f] !== undefined) ? median(runs.map((r) => r[f])) : undefined);
  lines.push(`| ${name} | ${fmt(m('enq'), 0)} | ${fmt(median(runs.map((r) => quantile(r.lat, 0.5))))} | ${fmt(median(runs.map((r) => quantile(r.lat, 0.99))))} | ${fmt(m('drain'), 0)} |`);
}
const text = lines.join('\n');
console.log(text);
if (values.write) writeSection(join(APP, 'README.md'), 'job-engines', text);
process.exit(0);
