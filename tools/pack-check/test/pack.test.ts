/**
 * Every publishable workspace (package.json without "private": true), as a stranger gets it:
 *
 * 1. its package.json and its `npm pack` file list (no benchmarks, no tests, no source map
 *    pointing at an unpublished file, every exports/main/types/bin target published);
 * 2. ONE `npm install @gradloc/a @gradloc/b ...` in an empty folder under the OS temp dir, the
 *    @gradloc scope served by a registry on 127.0.0.1 that holds exactly the packed tarballs
 *    (other packages come from the npm cache or registry as usual). Nothing may resolve into
 *    the repo. A package that depends on a workspace that is never published cannot be
 *    installed: it is left out of that install, tried alone, and its tests fail with npm's error;
 * 3. `smoke/<folder>.mjs`, copied into that folder, run with plain Node: it imports the package
 *    by name, makes a real call and checks the result against an independent expectation;
 * 4. the same script bundled by rolldown (platform node, tree-shaking on, only the native
 *    packages external), run from that folder: same checks, same printed result.
 *
 * GRADLOC_PACK_KEEP=1 keeps the temp folder (its path is printed).
 */
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { rolldown, type RolldownOutput } from 'rolldown';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  blockedReason,
  describeFailure,
  fileListProblems,
  isAllowedExternal,
  manifestProblems,
  NATIVE,
  pack,
  publishable,
  realDir,
  resolveFrom,
  ROOT,
  run,
  runAsync,
  sha512,
  SMOKE_DIR,
  startRegistry,
  symlinkedPackages,
  undeclaredImports,
  workspaces,
  type Packed,
  type RunResult,
  type Workspace,
} from './harness.js';

const ALL = workspaces();
const ROOT_MANIFEST = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { devDependencies?: Record<string, string> };
const PACKAGES = publishable(ALL);

interface State {
  tmp: string;
  app: string;
  build?: string;
  packed: Map<string, Packed | string>;
  /** Package name -> why it was left out of the install. */
  blocked: Map<string, string>;
  /** Package name -> what `npm install` of that package alone did (blocked packages). */
  alone: Map<string, string>;
  installError?: string;
  /** tsc's output on the consumer's TypeScript files (one import per exported subpath). */
  types?: RunResult;
  /** Package name -> what the smoke's plain run printed (its last line, parsed). */
  plain: Map<string, unknown>;
}

const state: State = { tmp: '', app: '', packed: new Map(), blocked: new Map(), alone: new Map(), plain: new Map() };
const timings: string[] = [];

function time<T>(what: string, fn: () => T): T {
  const t0 = performance.now();
  try {
    return fn();
  } finally {
    timings.push(`${what} ${((performance.now() - t0) / 1000).toFixed(1)}s`);
  }
}

/** Writes an empty consumer project whose @gradloc scope comes from the local registry. */
function consumer(dir: string, registry: string): void {
  mkdirSync(dir);
  writeFileSync(join(dir, 'package.json'), `${JSON.stringify({ name: 'gradloc-pack-consumer', version: '0.0.0-consumer', private: true, type: 'module' }, null, 2)}\n`);
  writeFileSync(join(dir, '.npmrc'), `@gradloc:registry=${registry}\nfund=false\naudit=false\nupdate-notifier=false\n`);
}

const installArgs = (names: readonly string[]): string[] => ['install', '--prefer-offline', '--no-audit', '--no-fund', ...names];

/** The consumer's one install, then each package that cannot be installed, alone. */
async function install(registry: string, notPacked: ReadonlySet<string>): Promise<void> {
  // every installable package in ONE npm install, by name, as a stranger would
  consumer(state.app, registry);
  const names = PACKAGES.filter((w) => !state.blocked.has(w.manifest.name)).map((w) => `${w.manifest.name}@${w.manifest.version}`);
  if (names.length > 0) {
    // a TypeScript consumer has Node's types (the version the repo builds with)
    names.push(`@types/node@${ROOT_MANIFEST.devDependencies?.['@types/node'] ?? '20'}`);
    const t0 = performance.now();
    const r = await runAsync('npm', installArgs(names), state.app, 240_000);
    timings.push(`npm install ${((performance.now() - t0) / 1000).toFixed(1)}s`);
    if (r.status !== 0) state.installError = describeFailure('(all installable packages)', 'npm install', `npm ${installArgs(names).join(' ')}`, r);
  }
  // a package that cannot be installed: what npm itself says, in a folder of its own
  for (const w of PACKAGES.filter((p) => state.blocked.has(p.manifest.name) && !notPacked.has(p.manifest.name))) {
    const dir = join(state.tmp, `alone-${w.dirName}`);
    consumer(dir, registry);
    const spec = `${w.manifest.name}@${w.manifest.version}`;
    const r = await runAsync('npm', installArgs([spec]), dir, 240_000);
    state.alone.set(w.manifest.name, r.status === 0 ? 'npm install alone succeeded' : describeFailure(w.manifest.name, 'npm install (alone)', `npm ${installArgs([spec]).join(' ')}`, r));
  }
}

/** tsc on a strict NodeNext consumer importing every exported subpath (skipLibCheck off). */
function typecheck(): void {
  mkdirSync(join(state.app, 'types'));
  const files: string[] = [];
  for (const w of PACKAGES.filter((p) => !state.blocked.has(p.manifest.name))) {
    const subpaths = typeof w.manifest.exports === 'object' && w.manifest.exports !== null && !Array.isArray(w.manifest.exports) ? Object.keys(w.manifest.exports).filter((k) => k !== './package.json') : [];
    if (subpaths.length === 0) continue;
    const lines = subpaths.map((sp, i) => `export type M${i} = typeof import('${w.manifest.name}${sp.slice(1)}');`);
    writeFileSync(join(state.app, 'types', `${w.dirName}.ts`), `${lines.join('\n')}\n`);
    files.push(`types/${w.dirName}.ts`);
  }
  const compilerOptions = { module: 'NodeNext', moduleResolution: 'NodeNext', target: 'ES2022', lib: ['ES2023'], types: ['node'], strict: true, noEmit: true, skipLibCheck: false };
  writeFileSync(join(state.app, 'tsconfig.json'), JSON.stringify({ compilerOptions, files }, null, 2));
  state.types = time('tsc (consumer)', () => run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json', '--pretty', 'false'], state.app));
}

beforeAll(async () => {
  state.tmp = mkdtempSync(join(tmpdir(), 'gradloc-pack-'));
  state.app = join(state.tmp, 'app');
  const packs = join(state.tmp, 'packs');
  mkdirSync(packs);

  // dist must match the sources: build the publishable packages (incremental, quick when up to date)
  const projects = PACKAGES.filter((w) => existsSync(join(w.dir, 'tsconfig.json'))).map((w) => w.rel);
  const tsc = time('tsc -b', () => run(process.execPath, [join(ROOT, 'node_modules', 'typescript', 'bin', 'tsc'), '-b', ...projects], ROOT));
  if (tsc.status !== 0) state.build = describeFailure('(all)', 'build', `tsc -b ${projects.join(' ')}`, tsc);

  time('npm pack', () => {
    for (const w of PACKAGES) state.packed.set(w.manifest.name, pack(w, packs));
  });
  const notPacked = new Set([...state.packed].filter(([, p]) => typeof p === 'string').map(([n]) => n));
  for (const w of PACKAGES) {
    const why = notPacked.has(w.manifest.name) ? 'its npm pack failed' : blockedReason(w, ALL, notPacked);
    if (why) state.blocked.set(w.manifest.name, why);
  }
  const served = PACKAGES.filter((w) => !notPacked.has(w.manifest.name)).map((w) => ({ dir: w.dir, tarball: (state.packed.get(w.manifest.name) as Packed).tarball }));
  const registry = await startRegistry(served);
  try {
    await install(registry.url, notPacked);
  } finally {
    await registry.close();
  }
  if (!state.installError) typecheck();
  mkdirSync(join(state.app, 'smoke'));
  mkdirSync(join(state.app, 'bundle'));
  for (const f of readdirSync(SMOKE_DIR)) cpSync(join(SMOKE_DIR, f), join(state.app, 'smoke', f));
});

afterAll(() => {
  console.log(`pack-check: ${timings.join(', ')}`);
  if (!state.tmp) return;
  if (process.env.GRADLOC_PACK_KEEP === '1') console.log(`pack-check: kept ${state.tmp}`);
  else rmSync(state.tmp, { recursive: true, force: true });
});

it('finds the publishable packages and the repository builds', () => {
  expect(PACKAGES.length, 'no publishable workspace found').toBeGreaterThan(0);
  expect(state.build, state.build).toBeUndefined();
});

it('has a smoke script for a publishable package only', () => {
  const names = new Set(PACKAGES.map((w) => `${w.dirName}.mjs`));
  const stray = readdirSync(SMOKE_DIR).filter((f) => !names.has(f));
  expect(stray, `smoke scripts that match no publishable workspace folder: ${stray.join(', ')}`).toEqual([]);
});

it('the TypeScript consumer has no errors outside the packages (their own errors are reported per package)', () => {
  if (!state.types) return; // nothing installed: the per-package tests say why
  const own = (l: string): boolean => l.startsWith('types/') || PACKAGES.some((w) => l.includes(`node_modules/${w.manifest.name}/`));
  const other = state.types.stdout.split('\n').filter((l) => /error TS\d+/.test(l) && !own(l));
  expect(other, `tsc on the consumer:\n${other.join('\n')}`).toEqual([]);
  if (state.types.status !== 0 && !/error TS\d+/.test(state.types.stdout)) throw new Error(describeFailure('(consumer)', 'tsc', 'tsc -p tsconfig.json', state.types));
});

/** The installed copy of a package, or why there is none. */
function installed(name: string): string | undefined {
  if (state.blocked.has(name)) return `${name} cannot be installed: ${state.blocked.get(name)}\n${state.alone.get(name) ?? ''}`;
  if (state.installError) return `${name} was not installed: npm install failed:\n${state.installError}`;
  return undefined;
}

/** Runs a script with plain Node from the consumer folder; returns its parsed last stdout line. */
function runSmoke(w: Workspace, script: string, step: string): unknown {
  const r: RunResult = run(process.execPath, [script], state.app, 170_000);
  if (r.status !== 0) throw new Error(describeFailure(w.manifest.name, step, `node ${script.replace(state.app + sep, '')}`, r));
  const last = r.stdout.trim().split('\n').at(-1) ?? '';
  try {
    return JSON.parse(last);
  } catch {
    throw new Error(describeFailure(w.manifest.name, `${step}: the last line of stdout is not the smoke's JSON result`, `node ${script}`, r));
  }
}

describe.each(PACKAGES)('$manifest.name', (w) => {
  const name = w.manifest.name;
  const smoke = join(SMOKE_DIR, `${w.dirName}.mjs`);
  const noSmoke = `${name}: no smoke script: add tools/pack-check/smoke/${w.dirName}.mjs (import the package by name, make one real call, check the result)`;

  it('package.json is complete for publishing', () => {
    const problems = manifestProblems(w, ALL);
    expect(problems, `${name} (${w.rel}/package.json):\n  ${problems.join('\n  ')}`).toEqual([]);
  });

  it('declares every package its published code imports', () => {
    const p = state.packed.get(name);
    if (typeof p === 'string' || p === undefined) throw new Error(p ?? `${name}: not packed`);
    const problems = undeclaredImports(w, p.files);
    expect(problems, `${name} (${w.rel}/package.json):\n  ${problems.join('\n  ')}`).toEqual([]);
  });

  it('publishes only what users need', () => {
    const p = state.packed.get(name);
    if (typeof p === 'string' || p === undefined) throw new Error(p ?? `${name}: not packed`);
    const problems = fileListProblems(w, p.files);
    expect(problems, `${name}: npm pack lists ${p.files.length} files:\n  ${problems.join('\n  ')}`).toEqual([]);
  });

  it('installs by name from its tarball, with nothing linked from the repo', () => {
    const why = installed(name);
    if (why) throw new Error(why);
    const links = symlinkedPackages(join(state.app, 'node_modules'));
    expect(links, `symlinked packages in the consumer's node_modules: ${links.join(', ')}`).toEqual([]);
    const lock = JSON.parse(readFileSync(join(state.app, 'package-lock.json'), 'utf8')) as { packages: Record<string, { integrity?: string }> };
    const entry = lock.packages[`node_modules/${name}`];
    const packed = state.packed.get(name) as Packed;
    expect(entry?.integrity, `${name}: the installed tarball is not the one npm pack wrote`).toBe(sha512(packed.tarball));
    // the package, and every runtime dependency it declares, must resolve inside the consumer folder
    const names = [name, ...Object.keys(w.manifest.dependencies ?? {})];
    const app = realDir(state.app) + sep;
    const resolved = resolveFrom(state.app, names);
    for (const [how, path] of Object.entries(resolved)) {
      // a dependency need not be require()-able (ESM-only); the package itself must be (its "default" condition)
      if (how.startsWith('require:') && how !== `require:${name}` && path.startsWith('ERROR')) continue;
      expect(path, `${how} from the consumer folder`).not.toMatch(/^ERROR/);
      expect(path.startsWith(app), `${how} resolves to ${path}, outside the consumer folder ${app}`).toBe(true);
    }
  });

  it('types: its declarations compile in a strict TypeScript consumer', () => {
    const why = installed(name);
    if (why) throw new Error(why);
    if (!state.types) throw new Error(`${name}: the TypeScript check did not run`);
    if (!existsSync(join(state.app, 'types', `${w.dirName}.ts`))) return; // nothing exported (a bin only)
    const own = state.types.stdout
      .split('\n')
      .filter((l) => l.startsWith(`types/${w.dirName}.ts`) || l.includes(`node_modules/${name}/`));
    expect(own, `${name}: tsc on a consumer importing its exports (skipLibCheck off):\n${own.join('\n')}`).toEqual([]);
  });

  it('smoke: plain node', () => {
    if (!existsSync(smoke)) throw new Error(noSmoke);
    const why = installed(name);
    if (why) throw new Error(why);
    state.plain.set(name, runSmoke(w, join(state.app, 'smoke', `${w.dirName}.mjs`), 'smoke (plain node)'));
  });

  it('smoke: rolldown bundle (tree-shaken, only native packages external)', async () => {
    if (!existsSync(smoke)) throw new Error(noSmoke);
    const why = installed(name);
    if (why) throw new Error(why);
    const input = join(state.app, 'smoke', `${w.dirName}.mjs`);
    const file = join(state.app, 'bundle', `${w.dirName}.mjs`);
    const warnings: string[] = [];
    let out: RolldownOutput;
    try {
      const bundle = await rolldown({
        input,
        cwd: state.app,
        platform: 'node',
        external: NATIVE.map((n) => new RegExp(`^${n}(/|$)`)),
        onLog: (level, log) => {
          if (level === 'warn') warnings.push(log.message);
        },
      });
      out = await bundle.write({ file, format: 'esm', codeSplitting: false });
      await bundle.close();
    } catch (e) {
      throw new Error(`${name}: rolldown could not bundle ${input}: ${(e as Error).message}\nwarnings:\n${warnings.join('\n')}`);
    }
    const chunks = out.output.filter((o) => o.type === 'chunk');
    expect(chunks.length, `${name}: the bundle has ${chunks.length} chunks, expected one file`).toBe(1);
    const leftOut = [...chunks[0].imports, ...chunks[0].dynamicImports].filter((id) => !isAllowedExternal(id));
    expect(leftOut, `${name}: the bundle imports these at run time instead of containing them`).toEqual([]);
    const app = realDir(state.app) + sep;
    const foreign = chunks[0].moduleIds.filter((id) => !id.startsWith('\0') && !(existsSync(id) ? realDir(id) : id).startsWith(app));
    expect(foreign, `${name}: the bundle contains modules from outside the consumer folder`).toEqual([]);
    const ownModules = chunks[0].moduleIds.filter((id) => id.includes(`node_modules${sep}${name.replace('/', sep)}${sep}`));
    expect(ownModules.length, `${name}: the bundle contains none of the package's own modules`).toBeGreaterThan(0);
    let result: unknown;
    try {
      result = runSmoke(w, file, 'smoke (rolldown bundle)');
    } catch (e) {
      throw new Error(`${(e as Error).message}${warnings.length ? `\n--- rolldown warnings ---\n${warnings.join('\n')}` : ''}`);
    }
    if (state.plain.has(name)) expect(result, `${name}: the bundled smoke printed another result than the plain run`).toEqual(state.plain.get(name));
  });
});
