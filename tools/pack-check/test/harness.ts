/**
 * The steps of the pack check, each a real command: the publishable workspaces read from the
 * root package.json, `npm pack` per package, a registry on 127.0.0.1 serving the tarballs, one
 * `npm install` of the packages by name in an empty folder under the OS temp dir, the smoke
 * scripts run there with plain Node and as rolldown bundles. Failures are returned (not thrown) with the package, the step and the child's output,
 * so one broken package does not hide how the others fare.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync, realpathSync } from 'node:fs';
import { createServer } from 'node:http';
import { builtinModules } from 'node:module';
import type { AddressInfo } from 'node:net';
import { basename, dirname, join, posix, relative, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '..', '..', '..');
export const SMOKE_DIR = resolve(import.meta.dirname, '..', 'smoke');
/**
 * Kept external in the bundles: native packages (they load .node binaries next to their JS),
 * and transformers.js, which loads onnxruntime-web's WASM proxy by URL relative to its own file
 * (Next.js's serverExternalPackages lists all three for the same reasons).
 */
export const NATIVE = ['onnxruntime-node', 'sharp', '@huggingface/transformers'] as const;

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

export interface Manifest {
  readonly name: string;
  readonly version: string;
  readonly private?: boolean;
  readonly description?: string;
  readonly license?: string;
  readonly main?: string;
  readonly types?: string;
  readonly bin?: string | Record<string, string>;
  readonly files?: string[];
  readonly exports?: Json;
  readonly engines?: Record<string, string>;
  readonly publishConfig?: Record<string, string>;
  readonly dependencies?: Record<string, string>;
  readonly optionalDependencies?: Record<string, string>;
  readonly peerDependencies?: Record<string, string>;
  readonly workspaces?: string[];
}

export interface Workspace {
  /** Folder relative to the repo root, e.g. `packages/cli`. */
  readonly rel: string;
  readonly dir: string;
  /** Last path segment: the smoke script is `smoke/<dirName>.mjs`. */
  readonly dirName: string;
  readonly manifest: Manifest;
}

const readJson = <T>(path: string): T => JSON.parse(readFileSync(path, 'utf8')) as T;

/** Every workspace of the root package.json (`dir/*` globs and plain folders). */
export function workspaces(): Workspace[] {
  const root = readJson<Manifest>(join(ROOT, 'package.json'));
  const rels = (root.workspaces ?? []).flatMap((pattern) => {
    if (!pattern.endsWith('/*')) return [pattern];
    const parent = pattern.slice(0, -2);
    if (!existsSync(join(ROOT, parent))) return [];
    return readdirSync(join(ROOT, parent), { withFileTypes: true })
      .filter((d) => d.isDirectory())
      .map((d) => `${parent}/${d.name}`);
  });
  return rels
    .filter((rel) => existsSync(join(ROOT, rel, 'package.json')))
    .map((rel) => ({ rel, dir: join(ROOT, rel), dirName: posix.basename(rel), manifest: readJson<Manifest>(join(ROOT, rel, 'package.json')) }));
}

export const publishable = (all: readonly Workspace[]): Workspace[] => all.filter((w) => w.manifest.private !== true);

export interface RunResult {
  readonly status: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
  readonly ms: number;
  readonly error?: Error;
}

/**
 * The environment of every child: the caller's, less what npm, Node and vitest put there for
 * the repo (npm_* config such as the workspace's prefix, NODE_PATH, NODE_OPTIONS, VITEST_*),
 * which would lead a child back into the repo. The npm cache and the user's npmrc stay.
 */
export function childEnv(): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  const keep = new Set(['npm_config_cache', 'npm_config_userconfig']);
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue;
    const lower = k.toLowerCase();
    if ((lower.startsWith('npm_') && !keep.has(lower)) || ['NODE_PATH', 'NODE_OPTIONS', 'INIT_CWD'].includes(k) || k.startsWith('VITEST') || k === 'TEST' || k === 'NODE_ENV') continue;
    env[k] = v;
  }
  env.ONNXRUNTIME_NODE_INSTALL = 'skip'; // onnxruntime-node's postinstall would download CUDA libraries
  env.NO_UPDATE_NOTIFIER = '1';
  return env;
}

export function run(cmd: string, args: readonly string[], cwd: string, timeoutMs = 240_000): RunResult {
  const t0 = performance.now();
  const r = spawnSync(cmd, args, { cwd, env: childEnv(), encoding: 'utf8', timeout: timeoutMs, maxBuffer: 64 * 2 ** 20 });
  return { status: r.status, signal: r.signal, stdout: r.stdout ?? '', stderr: r.stderr ?? '', ms: performance.now() - t0, error: r.error };
}

/** `run` without blocking the event loop (the local registry answers from this process). */
export function runAsync(cmd: string, args: readonly string[], cwd: string, timeoutMs = 240_000): Promise<RunResult> {
  const t0 = performance.now();
  return new Promise((done) => {
    const child = spawn(cmd, args, { cwd, env: childEnv(), timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let error: Error | undefined;
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    child.on('error', (e) => (error = e));
    child.on('close', (status, signal) => done({ status, signal, stdout, stderr, ms: performance.now() - t0, error }));
  });
}

const tail = (s: string, n = 4000): string => (s.length > n ? `...${s.slice(-n)}` : s);

/** `<package> <step>: <what happened>` plus the child's stderr and stdout. */
export function describeFailure(pkg: string, step: string, cmd: string, r: RunResult): string {
  const how = r.error ? `did not run (${r.error.message})` : r.signal ? `was killed by ${r.signal}` : `exited with ${r.status}`;
  return [`${pkg}: ${step}: \`${cmd}\` ${how}`, '--- stderr ---', tail(r.stderr.trim()) || '(empty)', '--- stdout ---', tail(r.stdout.trim()) || '(empty)'].join('\n');
}

export interface Packed {
  readonly tarball: string;
  /** Paths in the tarball, relative to the package folder. */
  readonly files: readonly string[];
  readonly size: number;
  readonly unpackedSize: number;
}

/** `npm pack` in the package's folder, tarball into `dest`. */
export function pack(w: Workspace, dest: string): Packed | string {
  const args = ['pack', '--json', '--pack-destination', dest];
  const r = run('npm', args, w.dir);
  if (r.status !== 0) return describeFailure(w.manifest.name, 'npm pack', `npm ${args.join(' ')}`, r);
  const [info] = JSON.parse(r.stdout) as { filename: string; files: { path: string }[]; size: number; unpackedSize: number }[];
  return { tarball: join(dest, info.filename), files: info.files.map((f) => f.path).sort(), size: info.size, unpackedSize: info.unpackedSize };
}

export const sha512 = (path: string): string => `sha512-${createHash('sha512').update(readFileSync(path)).digest('base64')}`;

export interface LocalRegistry {
  /** Base URL, ending in `/`. */
  readonly url: string;
  close(): Promise<void>;
}

/**
 * A registry on 127.0.0.1 that serves exactly the packed tarballs (one version each) and
 * answers 404 for every other name: the consumer's `@gradloc:registry` points here, so
 * `npm install @gradloc/<pkg>` works as it will once the packages are published, and never
 * picks up a package of the same name from a public registry.
 */
export async function startRegistry(packages: readonly { dir: string; tarball: string }[]): Promise<LocalRegistry> {
  const byName = new Map<string, { manifest: Record<string, unknown>; tarball: string }>();
  for (const p of packages) {
    const manifest = readJson<Record<string, unknown>>(join(p.dir, 'package.json'));
    byName.set(String(manifest.name), { manifest, tarball: p.tarball });
  }
  const files = new Map([...byName.values()].map((e) => [basename(e.tarball), e.tarball]));
  let url = '';
  const server = createServer((req, res) => {
    const path = decodeURIComponent((req.url ?? '/').split('?')[0]).replace(/^\/+/, '');
    const file = path.startsWith('-/') ? files.get(path.slice(2)) : undefined;
    const entry = byName.get(path);
    if (req.method === 'GET' && file) {
      const data = readFileSync(file);
      res.writeHead(200, { 'content-type': 'application/octet-stream', 'content-length': data.length });
      res.end(data);
    } else if (req.method === 'GET' && entry) {
      const data = readFileSync(entry.tarball);
      const version = String(entry.manifest.version);
      const dist = { tarball: `${url}-/${basename(entry.tarball)}`, integrity: `sha512-${createHash('sha512').update(data).digest('base64')}`, shasum: createHash('sha1').update(data).digest('hex') };
      const body = JSON.stringify({ name: path, 'dist-tags': { latest: version }, versions: { [version]: { ...entry.manifest, _id: `${path}@${version}`, dist } } });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(body);
    } else {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ error: 'Not found' }));
    }
  });
  await new Promise<void>((ok) => server.listen(0, '127.0.0.1', ok));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/`;
  return { url, close: () => new Promise<void>((ok) => server.close(() => ok())) };
}

const depNames = (m: Manifest): string[] => [...Object.keys(m.dependencies ?? {}), ...Object.keys(m.optionalDependencies ?? {}), ...Object.keys(m.peerDependencies ?? {})];

/**
 * Why `npm install <name>` cannot work for a stranger, if it cannot: a runtime dependency on a
 * private workspace (never published), or on a publishable one that is itself blocked or was
 * not packed. Undefined when every workspace it depends on will be among the tarballs.
 */
export function blockedReason(w: Workspace, all: readonly Workspace[], notPacked: ReadonlySet<string>, seen: ReadonlySet<string> = new Set()): string | undefined {
  for (const dep of depNames(w.manifest)) {
    const ws = all.find((o) => o.manifest.name === dep);
    if (!ws) continue; // a registry package
    if (ws.manifest.private === true) return `it depends on ${dep}, a private workspace (${ws.rel}) that is never published, so \`npm install ${w.manifest.name}\` cannot resolve it`;
    if (notPacked.has(dep)) return `its dependency ${dep} could not be packed`;
    if (seen.has(dep)) continue;
    const deeper = blockedReason(ws, all, notPacked, new Set([...seen, w.manifest.name]));
    if (deeper) return `its dependency ${dep} cannot be installed: ${deeper}`;
  }
  return undefined;
}

/** Workspace dependencies that are private, or whose range is not the workspace's version. */
export function workspaceDependencyProblems(w: Workspace, all: readonly Workspace[]): string[] {
  const problems: string[] = [];
  for (const [field, deps] of Object.entries({ dependencies: w.manifest.dependencies, optionalDependencies: w.manifest.optionalDependencies, peerDependencies: w.manifest.peerDependencies })) {
    for (const [dep, range] of Object.entries(deps ?? {})) {
      const ws = all.find((o) => o.manifest.name === dep);
      if (!ws) continue;
      if (ws.manifest.private === true) problems.push(`${field}.${dep}: a private workspace (${ws.rel}), never published`);
      else if (range !== ws.manifest.version && range !== `^${ws.manifest.version}` && range !== `~${ws.manifest.version}`) problems.push(`${field}.${dep}: "${range}" does not match the workspace's version ${ws.manifest.version}`);
    }
  }
  return problems;
}

/** String targets of an `exports` map (all conditions, all subpaths). */
export function exportTargets(exports: Json | undefined): string[] {
  if (exports === undefined || exports === null) return [];
  if (typeof exports === 'string') return [exports];
  if (Array.isArray(exports)) return exports.flatMap(exportTargets);
  if (typeof exports === 'object') return Object.values(exports).flatMap(exportTargets);
  return [];
}

const norm = (p: string): string => posix.normalize(p.replace(/^\.\//, ''));

/** What is wrong with a packed file list: benchmarks, tests, dangling maps, missing entry points. */
export function fileListProblems(w: Workspace, files: readonly string[]): string[] {
  const problems: string[] = [];
  const set = new Set(files);
  for (const f of files) {
    if (/(^|\/)bench\//.test(f)) problems.push(`${f}: benchmark code`);
    if (/(^|\/)(test|tests|__tests__|fixtures?|__fixtures__)\//.test(f) || /\.(test|spec)\.[cm]?[jt]sx?$/.test(f)) problems.push(`${f}: test code or a test fixture`);
    if (/(^|\/)(test-results\.json|vitest\.config\.[cm]?[jt]s|tsconfig(\.[\w-]+)?\.json)$|\.tsbuildinfo$/.test(f)) problems.push(`${f}: repository tooling`);
  }
  // source maps: each map's sources, and each sourceMappingURL comment, must be in the package
  for (const f of files) {
    if (f.endsWith('.map')) {
      const map = readJson<{ sources?: string[]; sourceRoot?: string }>(join(w.dir, f));
      for (const s of map.sources ?? []) {
        const target = norm(posix.join(posix.dirname(f), map.sourceRoot ?? '', s));
        if (!set.has(target)) problems.push(`${f}: its source ${s} (${target}) is not published`);
      }
    } else if (/\.(m|c)?js$|\.d\.(m|c)?ts$/.test(f)) {
      const m = /\/\/# sourceMappingURL=(\S+)\s*$/.exec(readFileSync(join(w.dir, f), 'utf8'));
      if (m && !m[1].startsWith('data:')) {
        const target = norm(posix.join(posix.dirname(f), m[1]));
        if (!set.has(target)) problems.push(`${f}: its sourceMappingURL ${m[1]} is not published`);
      }
    }
  }
  // entry points
  const m = w.manifest;
  const entries: [string, string][] = [
    ...exportTargets(m.exports).map((t): [string, string] => [`exports -> ${t}`, t]),
    ...(m.main ? [['main', m.main] as [string, string]] : []),
    ...(m.types ? [['types', m.types] as [string, string]] : []),
    ...(typeof m.bin === 'string' ? [['bin', m.bin] as [string, string]] : Object.entries(m.bin ?? {}).map(([k, v]): [string, string] => [`bin.${k}`, v])),
  ];
  for (const [what, target] of entries) {
    if (target.includes('*')) {
      problems.push(`${what}: subpath patterns are not checked by this test; list the files`);
      continue;
    }
    if (!set.has(norm(target))) problems.push(`${what}: ${target} is not in the published files`);
  }
  if (!files.includes('README.md')) problems.push('README.md is not published');
  return problems;
}

const packageOf = (spec: string): string => spec.split('/').slice(0, spec.startsWith('@') ? 2 : 1).join('/');

/**
 * Packages the published JavaScript imports (static, re-exports and dynamic import() with a
 * literal) that its package.json does not list in dependencies, optionalDependencies or
 * peerDependencies. In the repo such an import may work through a hoisted neighbour; for a
 * stranger it fails.
 */
export function undeclaredImports(w: Workspace, files: readonly string[]): string[] {
  const declared = new Set([w.manifest.name, ...depNames(w.manifest)]);
  const problems: string[] = [];
  const patterns = [/^\s*(?:import|export)\b[^'";]*?\bfrom\s*['"]([^'"]+)['"]/gm, /^\s*import\s*['"]([^'"]+)['"]/gm, /\bimport\(\s*['"]([^'"]+)['"]\s*\)/g, /\brequire\(\s*['"]([^'"]+)['"]\s*\)/g];
  for (const f of files.filter((p) => /\.[cm]?js$/.test(p))) {
    const text = readFileSync(join(w.dir, f), 'utf8');
    for (const re of patterns) {
      for (const m of text.matchAll(re)) {
        const spec = m[1];
        if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:') || builtinModules.includes(spec) || builtinModules.includes(packageOf(spec))) continue;
        if (!declared.has(packageOf(spec))) problems.push(`${f} imports '${spec}', but ${packageOf(spec)} is not a dependency`);
      }
    }
  }
  return [...new Set(problems)];
}

/** What a publishable package.json lacks. */
export function manifestProblems(w: Workspace, all: readonly Workspace[]): string[] {
  const m = w.manifest;
  const problems: string[] = [];
  if (!m.description?.trim()) problems.push('no description');
  if (!m.license) problems.push('no license');
  if (!m.engines?.node) problems.push('no engines.node');
  if (m.name.startsWith('@') && m.publishConfig?.access !== 'public') problems.push('a scoped package without publishConfig.access "public" is published restricted (or refused)');
  if (!Array.isArray(m.files) || m.files.length === 0) problems.push('no files list (everything not ignored would be published)');
  if (!m.exports || typeof m.exports !== 'object' || Array.isArray(m.exports)) problems.push('no exports map');
  else {
    for (const [subpath, target] of Object.entries(m.exports)) {
      if (subpath === './package.json') continue;
      if (target === null || typeof target !== 'object' || Array.isArray(target)) {
        problems.push(`exports["${subpath}"] is not a conditions object with "types"`);
        continue;
      }
      const keys = Object.keys(target);
      if (keys[0] !== 'types') problems.push(`exports["${subpath}"]: "types" must come first (got ${keys.join(', ')})`);
      if (!keys.includes('default') && !keys.includes('import')) problems.push(`exports["${subpath}"]: no "default" or "import" target`);
    }
  }
  problems.push(...workspaceDependencyProblems(w, all));
  return problems;
}

/** Every folder under node_modules (scoped ones too) that is a symlink, with its target. */
export function symlinkedPackages(nodeModules: string): string[] {
  const out: string[] = [];
  if (!existsSync(nodeModules)) return out;
  for (const name of readdirSync(nodeModules)) {
    const p = join(nodeModules, name);
    if (name === '.bin') continue;
    if (lstatSync(p).isSymbolicLink()) out.push(`${relative(dirname(nodeModules), p)} -> ${readlinkSync(p)}`);
    else if (name.startsWith('@')) {
      for (const sub of readdirSync(p)) if (lstatSync(join(p, sub)).isSymbolicLink()) out.push(`${relative(dirname(nodeModules), join(p, sub))} -> ${readlinkSync(join(p, sub))}`);
    }
  }
  return out;
}

/**
 * Resolves each name from `dir` in a child Node, as `import` does and as `require.resolve`
 * does, and returns `import:<name>` / `require:<name>` -> real path of the file (or the error).
 */
export function resolveFrom(dir: string, names: readonly string[]): Record<string, string> {
  const code = [
    "import { realpathSync } from 'node:fs';",
    "import { createRequire } from 'node:module';",
    "import { join } from 'node:path';",
    "import { fileURLToPath } from 'node:url';",
    "const require = createRequire(join(process.cwd(), 'package.json'));",
    'const out = {};',
    'for (const n of JSON.parse(process.argv[1])) {',
    "  try { out['import:' + n] = realpathSync(fileURLToPath(import.meta.resolve(n))); } catch (e) { out['import:' + n] = 'ERROR ' + e.message; }",
    "  try { out['require:' + n] = realpathSync(require.resolve(n)); } catch (e) { out['require:' + n] = 'ERROR ' + e.message; }",
    '}',
    'console.log(JSON.stringify(out));',
  ].join('\n');
  const r = run(process.execPath, ['--input-type=module', '-e', code, JSON.stringify(names)], dir, 60_000);
  if (r.status !== 0) throw new Error(describeFailure('(resolution check)', 'node -e', 'node --input-type=module -e <resolve>', r));
  return JSON.parse(r.stdout) as Record<string, string>;
}

export const realDir = (p: string): string => realpathSync(p);

/** Imports that may stay outside a bundle: Node's builtins and the native packages. */
export function isAllowedExternal(id: string): boolean {
  if (id.startsWith('node:') || builtinModules.includes(id)) return true;
  return NATIVE.some((n) => id === n || id.startsWith(`${n}/`));
}
