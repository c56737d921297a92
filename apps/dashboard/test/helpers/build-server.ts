/**
 * Vitest global setup: compiles the server (tsc -b, incremental: quick when up to date). The
 * tests import the sources, but what runs in other threads and processes is the compiled
 * code: the heartbeat thread (jobs/heartbeat-thread.js) and the worker processes of the
 * faults test (server/worker-main.js).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export default function buildServer(): void {
  const app = join(import.meta.dirname, '..', '..');
  execFileSync(process.execPath, [join(app, '..', '..', 'node_modules', 'typescript', 'bin', 'tsc'), '-b', app], { stdio: 'inherit' });
}
