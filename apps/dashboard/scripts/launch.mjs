/**
 * Starts the real dashboard as `npm start` does (scripts/start.mjs: build if needed, migrate,
 * web server + worker) on a free loopback port, in its own process group so stop() ends the
 * web server and the worker together. Used by the load script and the e2e tests.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export function freePort() {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no free port'))));
    });
  });
}

export async function launchDashboard(o = {}) {
  const port = o.port ?? (await freePort());
  // by default a folder that does not exist yet, as apps/dashboard/data on a fresh clone
  const dataDir = o.dataDir ?? join(mkdtempSync(join(tmpdir(), 'gradloc-dashboard-')), 'data');
  const child = spawn(process.execPath, [join(import.meta.dirname, 'start.mjs')], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', GRADLOC_DATA_DIR: dataDir, ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let log = '';
  const collect = (b) => {
    log += b.toString();
    o.echo?.(b.toString());
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const url = `http://127.0.0.1:${port}`;
  await new Promise((resolve, reject) => {
    const t = setInterval(() => {
      if (log.includes(`ready: ${url}`)) {
        clearInterval(t);
        resolve();
      }
    }, 100);
    child.on('exit', (code) => {
      clearInterval(t);
      reject(new Error(`the dashboard exited (${code}) before it was ready:\n${log}`));
    });
  });
  return {
    url,
    dataDir,
    process: child,
    output: () => log,
    stop: (signal = 'SIGTERM') =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        process.kill(-child.pid, signal);
      }),
  };
}
