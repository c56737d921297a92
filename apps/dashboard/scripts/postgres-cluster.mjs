/**
 * A throwaway Postgres cluster for the tests and the job-engine benchmark: initdb into a temp folder, started on a free
 * loopback port with its socket in that folder, stopped and deleted at the end. Debian's
 * postgresql package provides the binaries (.ci/run installs it); initdb refuses to run as
 * root, so under root the cluster is made and run as the `postgres` user.
 *
 * Without the binaries `postgresBinaries()` is null: locally the Postgres tests then say so
 * and skip; under CI (CI=true) they fail, so a missing package cannot pass for a green run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, chownSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { freePort } from './launch.mjs';

/** The folder holding initdb and pg_ctl: PATH, else Debian's /usr/lib/postgresql/<version>/bin. */
export function postgresBinaries() {
  const which = spawnSync('sh', ['-c', 'command -v pg_ctl'], { encoding: 'utf8' });
  if (which.status === 0 && which.stdout.trim()) {
    const dir = which.stdout.trim().replace(/\/pg_ctl$/, '');
    if (existsSync(join(dir, 'initdb'))) return dir;
  }
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return null;
  const versions = readdirSync(root).sort((a, b) => Number(b) - Number(a));
  for (const v of versions) if (existsSync(join(root, v, 'bin', 'pg_ctl'))) return join(root, v, 'bin');
  return null;
}

/**
 * Whether the Postgres tests can run here: false (with a loud warning) without the binaries,
 * and under CI (CI=true) a thrown error instead, so a missing package cannot pass for green.
 */
export function postgresAvailable(file) {
  if (postgresBinaries() !== null) return true;
  if (process.env.CI) throw new Error(`CI: no Postgres binaries for ${file} (.ci/run installs Debian's postgresql)`);
  console.warn(`${file}: no Postgres binaries here (Debian's postgresql package): SKIPPED`);
  return false;
}

export async function startPostgres() {
  const bin = postgresBinaries();
  if (!bin) throw new Error('no Postgres binaries (install Debian\'s postgresql package)');
  const root = mkdtempSync(join(tmpdir(), 'gradloc-pg-'));
  const asRoot = userInfo().uid === 0;
  const uid = asRoot ? Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' })) : -1;
  const gid = asRoot ? Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' })) : -1;
  if (asRoot) {
    chownSync(root, uid, gid);
    chmodSync(root, 0o700);
  }
  const run = (tool, args) => {
    const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args];
    const r = spawnSync(cmd, argv, { encoding: 'utf8', cwd: root });
    if (r.status !== 0) throw new Error(`${tool} ${args.join(' ')} failed: ${(r.stderr || r.stdout).trim().split('\n').slice(-3).join(' | ')}`);
  };
  const data = join(root, 'data');
  run('initdb', ['-D', data, '-U', 'postgres', '--auth=trust', '-E', 'UTF8', '--no-instructions']);
  const port = await freePort();
  const options = `-p ${port} -k ${root} -c listen_addresses=127.0.0.1 -c fsync=off`;
  const ctl = (action, extra = []) => run('pg_ctl', [action, '-D', data, '-w', '-t', '60', '-l', join(root, 'log'), ...extra]);
  ctl('start', ['-o', options]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    port,
    restart: () => ctl('restart', ['-m', 'fast', '-o', options]),
    stop: () => {
      try {
        ctl('stop', ['-m', 'fast']);
      } finally {
        rmSync(root, { recursive: true, force: true });
      }
    },
  };
}
