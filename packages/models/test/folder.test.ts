/**
 * Where models are found: the caller's folder, then GRADLOC_MODELS, then a gradloc checkout's
 * models/ (never from an npm-installed copy); one error naming all three ways when none
 * applies, and its own error for a named folder that does not exist. The installed-copy cases
 * run the built package from copies placed in a temporary project, as npm would place it.
 */
import { spawnSync } from 'node:child_process';
import { cpSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { GradlocError } from '@gradloc/tensor-backend';
import { checkoutModelsDir } from '../src/checkout.js';
import { modelDir, modelsDir } from '../src/folder.js';

const PACKAGE = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const REPO = resolve(PACKAGE, '..', '..');
const tmp = mkdtempSync(join(tmpdir(), 'models-folder-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));
afterEach(() => vi.unstubAllEnvs());

function folder(name: string): string {
  const dir = join(tmp, name);
  mkdirSync(dir, { recursive: true });
  return dir;
}

function errorOf(f: () => unknown): GradlocError {
  try {
    f();
  } catch (e) {
    if (e instanceof GradlocError) return e;
    throw e;
  }
  throw new Error('expected a GradlocError');
}

describe('modelsDir', () => {
  it('the option beats GRADLOC_MODELS, which beats the checkout', () => {
    const [opt, env] = [folder('opt'), folder('env')];
    vi.stubEnv('GRADLOC_MODELS', env);
    expect(modelsDir({ modelsDir: opt })).toBe(opt);
    expect(modelsDir()).toBe(env);
    vi.stubEnv('GRADLOC_MODELS', '');
    expect(modelsDir()).toBe(join(REPO, 'models'));
  });

  it('a named folder that does not exist is its own error, naming where the name came from', () => {
    vi.stubEnv('GRADLOC_MODELS', '');
    const e = errorOf(() => modelsDir({ modelsDir: join(tmp, 'missing') }));
    expect(e.code).toBe('MODEL_NOT_FOUND');
    expect(e.message).toBe(`the models folder ${join(tmp, 'missing')} (given as modelsDir / --models) does not exist`);
    vi.stubEnv('GRADLOC_MODELS', join(tmp, 'gone'));
    expect(errorOf(() => modelsDir()).message).toBe(`the models folder ${join(tmp, 'gone')} (from GRADLOC_MODELS) does not exist`);
  });

  it('modelDir names the folder and the models it has when a name is not there', () => {
    const root = folder('one-model');
    mkdirSync(join(root, 'a'));
    writeFileSync(join(root, 'a', 'model.onnx'), '');
    expect(modelDir('a', { modelsDir: root })).toBe(join(root, 'a'));
    const e = errorOf(() => modelDir('b', { modelsDir: root }));
    expect([e.code, e.message]).toEqual(['MODEL_NOT_FOUND', `model 'b' is not in ${root} (models there: a)`]);
  });
});

describe('checkoutModelsDir', () => {
  /** A project root with package.json `name` and a models/ folder. */
  function project(dir: string, name: string, models = true): string {
    const root = folder(dir);
    writeFileSync(join(root, 'package.json'), JSON.stringify({ name }));
    if (models) mkdirSync(join(root, 'models'));
    return root;
  }

  it("finds a gradloc checkout's models/ from a file anywhere below its root", () => {
    const root = project('checkout', 'gradloc');
    expect(checkoutModelsDir(join(root, 'packages', 'models', 'dist', 'folder.js'))).toBe(join(root, 'models'));
    expect(checkoutModelsDir(join(PACKAGE, 'dist', 'folder.js'))).toBe(join(REPO, 'models'));
  });

  it('finds nothing for a copy in node_modules, another project, or a checkout without models/', () => {
    const root = project('installed', 'gradloc');
    expect(checkoutModelsDir(join(root, 'node_modules', '@gradloc', 'models', 'dist', 'folder.js'))).toBeUndefined();
    expect(checkoutModelsDir(join(project('other', 'my-app'), 'lib', 'x.js'))).toBeUndefined();
    expect(checkoutModelsDir(join(project('bare', 'gradloc', false), 'packages', 'models', 'dist', 'folder.js'))).toBeUndefined();
  });
});

describe('the built package, placed as a user would get it', () => {
  /** Copies dist/ to `at` (with its package.json) and links its dependencies beside it. */
  function place(at: string, nodeModules: string): string {
    cpSync(join(PACKAGE, 'dist'), join(at, 'dist'), { recursive: true });
    cpSync(join(PACKAGE, 'package.json'), join(at, 'package.json'));
    for (const dep of ['@gradloc/tensor-backend', '@huggingface/tokenizers']) {
      const link = join(nodeModules, dep);
      mkdirSync(dirname(link), { recursive: true });
      try {
        symlinkSync(join(REPO, 'node_modules', dep), link);
      } catch {
        /* already linked for another copy */
      }
    }
    return join(at, 'dist', 'index.js');
  }

  /** modelsDir() of the copy in a fresh node, GRADLOC_MODELS unset: the folder, or the error line. */
  function run(entry: string): string {
    const env = { ...process.env, GRADLOC_MODELS: undefined };
    const code = `import(${JSON.stringify(entry)}).then((m) => { try { console.log(m.modelsDir()); } catch (e) { console.log(e.code + ': ' + e.message); } });`;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', env });
    expect(r.stderr).toBe('');
    return r.stdout.trim();
  }

  // a project named gradloc with a models/ folder: only a copy inside the checkout may use it
  const root = mkdtempSync(join(tmpdir(), 'gradloc-install-'));
  afterAll(() => rmSync(root, { recursive: true, force: true }));
  writeFileSync(join(root, 'package.json'), JSON.stringify({ name: 'gradloc' }));
  mkdirSync(join(root, 'models'));

  it('installed in node_modules: no folder, and one error naming all three ways', () => {
    const entry = place(join(root, 'node_modules', '@gradloc', 'models'), join(root, 'node_modules'));
    expect(run(entry)).toBe(
      "MODEL_NOT_FOUND: no models folder: pass --models DIR (in code: { modelsDir: DIR }), set GRADLOC_MODELS=DIR, or run gradloc from a gradloc checkout (its models/ folder)",
    );
  });

  it("inside the checkout's packages/: the checkout's models/", () => {
    const entry = place(join(root, 'packages', 'models'), join(root, 'node_modules'));
    expect(run(entry)).toBe(join(root, 'models'));
  });
});
