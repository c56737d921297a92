#!/usr/bin/env node
// Generates both Prisma clients (src/generated/sqlite and src/generated/postgres): the app picks
// one at run time from DATABASE_URL, so both must exist to compile. No database is contacted.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const app = join(import.meta.dirname, '..');
const prisma = join(app, '..', '..', 'node_modules', 'prisma', 'build', 'index.js');
for (const url of ['file:./data/generate.db', 'postgresql://gradloc@localhost/gradloc']) {
  const r = spawnSync(process.execPath, [prisma, 'generate', '--no-hints'], {
    cwd: app,
    env: { ...process.env, DATABASE_URL: url, PRISMA_HIDE_UPDATE_MESSAGE: '1', CHECKPOINT_DISABLE: '1' },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
