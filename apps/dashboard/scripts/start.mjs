#!/usr/bin/env node
/**
 * `npm start`: the dashboard on the embedded default, in one command.
 *   1. build the server (tsc) and the pages (next build) when missing or older than the sources
 *   2. apply the database migrations (prisma migrate deploy; SQLite file in apps/dashboard/data;
 *      on Postgres the app's own applier, which needs no Prisma engine download)
 *   3. serve on http://127.0.0.1:3000 (HOST / PORT override) beside one job worker process,
 *      restarted if it dies (it recovers the jobs it was running), and print the URL.
 *      GRADLOC_EMBEDDED_WORKER=0 leaves the jobs to separate workers (docker-compose.yml).
 * Ctrl-C stops both; jobs still running go back to the queue for the next start.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';

const app = join(import.meta.dirname, '..');
const root = join(app, '..', '..');
const bin = (pkg, file) => join(root, 'node_modules', pkg, file);
const HOST = process.env.HOST ?? '127.0.0.1';
const PORT = Number(process.env.PORT ?? 3000);
const quietEnv = { NEXT_TELEMETRY_DISABLED: '1', CHECKPOINT_DISABLE: '1', PRISMA_HIDE_UPDATE_MESSAGE: '1', ONNXRUNTIME_NODE_INSTALL: 'skip' };
const env = { ...process.env, ...quietEnv };

function say(line) {
  console.log(`dashboard: ${line}`);
}

function run(what, args, opts = {}) {
  const r = spawnSync(process.execPath, args, { cwd: app, env, stdio: 'inherit', ...opts });
  if (r.status !== 0) {
    console.error(`dashboard: ${what} failed (exit ${r.status ?? r.signal}); see the output above`);
    process.exit(1);
  }
}

/** Newest modification time under `paths` (files or folders). */
function newest(paths) {
  let t = 0;
  const walk = (p) => {
    if (!existsSync(p)) return;
    const s = statSync(p);
    if (s.isDirectory()) for (const n of readdirSync(p)) walk(join(p, n));
    else t = Math.max(t, s.mtimeMs);
  };
  for (const p of paths) walk(p);
  return t;
}

/**
 * Fails in one line, before any build or migration, when HOST:PORT cannot be listened on
 * (next start would print a stack trace after the builds instead).
 */
async function checkPort() {
  const error = await new Promise((resolve) => {
    const probe = createServer();
    probe.once('error', resolve);
    probe.listen(PORT, HOST, () => probe.close(() => resolve(undefined)));
  });
  if (!error) return;
  const why = error.code === 'EADDRINUSE' ? 'is in use (another dashboard, or another program)' : error.code === 'EACCES' ? 'needs privileges' : `cannot be used (${error.code ?? error.message})`;
  console.error(`dashboard: port ${PORT} on ${HOST} ${why}; pick another one with PORT=${PORT === 3000 ? 3001 : PORT + 1} npm start (HOST=... sets the address)`);
  process.exit(1);
}
if (!Number.isInteger(PORT) || PORT < 0 || PORT > 65535) {
  console.error(`dashboard: PORT=${process.env.PORT} is not a port number (0-65535)`);
  process.exit(1);
}
await checkPort();

// 1. builds (npm ci's prepare step already ran tsc -b; this covers edits since)
const serverOut = join(app, 'dist', 'server', 'index.js');
if (!existsSync(join(app, 'src', 'generated', 'postgres', 'client.ts'))) run('prisma generate', [join(app, 'scripts', 'generate.mjs')]);
if (!existsSync(serverOut) || newest([join(app, 'src', 'server')]) > statSync(serverOut).mtimeMs) {
  say('building the server (tsc -b) ...');
  run('tsc -b', [bin('typescript', 'bin/tsc'), '-b'], { cwd: root });
}
const buildId = join(app, '.next', 'BUILD_ID');
const pageSources = [join(app, 'src', 'app'), join(app, 'src', 'lib'), join(app, 'next.config.ts'), serverOut.replace('index.js', 'index.d.ts')];
if (!existsSync(buildId) || newest(pageSources) > statSync(buildId).mtimeMs) {
  say('building the pages (next build, about a minute) ...');
  run('next build', [bin('next', 'dist/bin/next'), 'build']);
}

// 2. migrations, against the same database the server will open
const { loadEnv } = await import(serverOut.replace('index.js', 'env.js'));
const settings = loadEnv(env);
env.DATABASE_URL = settings.databaseUrl;
if (/^postgres(ql)?:\/\//.test(settings.databaseUrl)) {
  // Prisma migrates Postgres only with its downloaded schema engine: the app's own applier
  // runs the same migration files and keeps Prisma's history table (src/server/pg-migrate.ts);
  // then the job engine's (graphile-worker's) schema
  const { migratePostgres } = await import(serverOut.replace('index.js', 'pg-migrate.js'));
  try {
    const applied = await migratePostgres(settings.databaseUrl, join(app, 'prisma', 'postgres', 'migrations'));
    if (applied.length) say(`applied migrations: ${applied.join(', ')}`);
  } catch (e) {
    console.error(`dashboard: the database migration failed: ${e.message}`);
    process.exit(1);
  }
} else run('prisma migrate deploy', [bin('prisma', 'build/index.js'), 'migrate', 'deploy'], { stdio: ['ignore', 'ignore', 'inherit'] });
say(`database ${settings.databaseUrl.startsWith('file:') ? settings.databaseUrl.slice(5) : settings.databaseUrl.replace(/\/\/[^@]*@/, '//***@')} is up to date`);

// 3. the web server and the worker
const children = new Set();
let stopping = false;

function start(name, args, onExit) {
  const child = spawn(process.execPath, args, { cwd: app, env, stdio: ['ignore', 'inherit', 'inherit'] });
  children.add(child);
  child.on('exit', (code, signal) => {
    children.delete(child);
    if (!stopping) onExit(code, signal);
  });
  return child;
}

function stop(code) {
  if (stopping) return;
  stopping = true;
  for (const c of children) c.kill('SIGTERM');
  const t = setTimeout(() => process.exit(code), 5000);
  const check = setInterval(() => {
    if (children.size === 0) {
      clearInterval(check);
      clearTimeout(t);
      process.exit(code);
    }
  }, 50);
}

function startWorker() {
  start('worker', [join(app, 'dist', 'server', 'worker-main.js'), '--sole'], (code, signal) => {
    say(`the worker stopped (${signal ?? `exit ${code}`}); restarting it`);
    setTimeout(startWorker, 1000);
  });
}

start('web', [bin('next', 'dist/bin/next'), 'start', '-H', HOST, '-p', String(PORT)], (code, signal) => {
  console.error(`dashboard: the web server stopped (${signal ?? `exit ${code}`})`);
  stop(code || 1);
});
// GRADLOC_EMBEDDED_WORKER=0: workers run elsewhere (docker-compose.yml)
if (process.env.GRADLOC_EMBEDDED_WORKER !== '0') startWorker();
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));

// print the URL once the API answers (the first request also opens the database)
const url = `http://${HOST}:${PORT}`;
for (let i = 0; i < 600 && !stopping; i++) {
  try {
    const r = await fetch(`${url}/api/trpc/models.list`);
    if (r.ok) {
      say(`ready: ${url}`);
      break;
    }
  } catch {
    // not listening yet
  }
  await new Promise((r) => setTimeout(r, 200));
}
