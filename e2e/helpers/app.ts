/**
 * Starts the real dashboard the way a user does (apps/dashboard/scripts/start.mjs: build if
 * needed, migrate, web server + worker) on a free loopback port with a fresh data folder.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');

export interface RunningApp {
  readonly url: string;
  readonly dataDir: string;
  readonly process: ChildProcess;
  readonly output: () => string;
  stop(signal?: NodeJS.Signals): Promise<void>;
}

export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

export async function startApp(o: { dataDir?: string; port?: number; env?: Record<string, string> } = {}): Promise<RunningApp> {
  const port = o.port ?? (await freePort());
  // a folder that does not exist yet, as apps/dashboard/data on a fresh clone
  const dataDir = o.dataDir ?? join(mkdtempSync(join(tmpdir(), 'gradloc-e2e-')), 'data');
  // its own process group, so stop() can kill the web server and the worker with it
  const child = spawn(process.execPath, [join(ROOT, 'apps', 'dashboard', 'scripts', 'start.mjs')], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', GRADLOC_DATA_DIR: dataDir, GRADLOC_THREADS: '1', ...o.env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let log = '';
  child.stdout?.on('data', (b: Buffer) => (log += b.toString()));
  child.stderr?.on('data', (b: Buffer) => (log += b.toString()));
  const url = `http://127.0.0.1:${port}`;
  await new Promise<void>((resolve, reject) => {
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
      new Promise<void>((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve();
        child.once('exit', () => resolve());
        process.kill(-(child.pid as number), signal);
      }),
  };
}
