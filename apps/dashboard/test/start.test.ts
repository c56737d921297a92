/**
 * `npm start` (scripts/start.mjs) on a port another program holds: one line naming the port
 * and how to pick another, exit 1, before any build or migration runs.
 */
import { spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:net';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

let busy: Server;
let port: number;

beforeAll(async () => {
  busy = createServer();
  await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
  port = (busy.address() as { port: number }).port;
});
afterAll(() => new Promise<void>((resolve) => busy.close(() => resolve())));

const start = (env: Record<string, string>) =>
  spawnSync(process.execPath, [join(import.meta.dirname, '..', 'scripts', 'start.mjs')], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 30_000 });

describe('npm start on a busy port', () => {
  it('says which port is taken and how to choose another, in one line, and exits 1', () => {
    const r = start({ PORT: String(port), HOST: '127.0.0.1' });
    expect(r.status).toBe(1);
    const lines = r.stderr.split('\n').filter(Boolean);
    expect(lines).toEqual([`dashboard: port ${port} on 127.0.0.1 is in use (another dashboard, or another program); pick another one with PORT=${port + 1} npm start (HOST=... sets the address)`]);
    expect(r.stdout).toBe(''); // nothing was built or migrated first
  });

  it('refuses a PORT that is not a port number', () => {
    const r = start({ PORT: 'eighty' });
    expect(r.status).toBe(1);
    expect(r.stderr.trim()).toBe('dashboard: PORT=eighty is not a port number (0-65535)');
  });
});
