/**
 * Output files: safe file names for tensor names, and all-or-nothing writes. Everything is
 * written into a staging dir first; only then do files move into place by rename (atomic
 * per file, same file system), so a failed run leaves no partial output.
 */
import { existsSync, mkdirSync, mkdtempSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { GradlocError } from '@gradloc/tensor-backend';

/** Tensor names hold '/', ':' and worse (`onnx::MatMul_12`); keep only portable file-name characters. */
export const safeName = (tensorName: string): string => tensorName.replace(/[^A-Za-z0-9._-]/g, '_');

/**
 * Safe name for each tensor name; two names that map to the same file are an error. The
 * comparison ignores case, because the output dir may live on a case-insensitive file system.
 */
export function safeNames(names: readonly string[]): Map<string, string> {
  const byFile = new Map<string, string>();
  const out = new Map<string, string>();
  for (const name of names) {
    const safe = safeName(name);
    const other = byFile.get(safe.toLowerCase());
    if (other !== undefined && other !== name) {
      throw new GradlocError('BAD_INPUT', `tensors '${other}' and '${name}' would both be written to ${safe}.npy; ask for one of them per run`);
    }
    byFile.set(safe.toLowerCase(), name);
    out.set(name, safe);
  }
  return out;
}

export interface OutputFile {
  /** Path relative to the output dir, '/'-separated (e.g. `values/x.npy`). */
  readonly path: string;
  readonly bytes: Uint8Array;
}

/** Fails early (before any compute) when the output dir cannot be one. */
export function checkOutputDir(dir: string): void {
  if (existsSync(dir) && !statSync(dir).isDirectory()) throw new GradlocError('BAD_INPUT', `--out ${dir} exists and is not a directory`);
}

/** Fails early (before any compute) when one of these output files could not be written there. */
export function checkOutputFiles(paths: readonly (string | undefined)[]): void {
  for (const p of paths) {
    if (p === undefined) continue;
    checkOutputDir(dirname(resolve(p)));
    if (existsSync(p) && statSync(p).isDirectory()) throw new GradlocError('BAD_INPUT', `cannot write ${p}: it is a directory`);
  }
}

/**
 * Writes `files` under `dir`. A new dir is staged beside it and appears whole (one rename);
 * in an existing dir the staging dir goes inside it (same file system, surely writable),
 * and only these files are replaced, each atomically; other files are left alone.
 */
export function writeOutputs(dir: string, files: readonly OutputFile[]): void {
  const target = resolve(dir);
  checkOutputDir(target);
  for (const f of files) checkDestination(target, f.path);
  const fresh = !existsSync(target);
  const stageIn = fresh ? dirname(target) : target;
  let tmp: string;
  try {
    mkdirSync(stageIn, { recursive: true });
    tmp = mkdtempSync(join(stageIn, `.${basename(target)}.gradloc-tmp-`));
  } catch (e) {
    throw ioError(`cannot create a temp dir in ${stageIn}`, e);
  }
  try {
    for (const f of files) {
      const p = join(tmp, f.path);
      mkdirSync(dirname(p), { recursive: true });
      writeFileSync(p, f.bytes);
    }
    if (fresh) {
      renameSync(tmp, target);
      return;
    }
    for (const f of files) {
      const dest = join(target, f.path);
      mkdirSync(dirname(dest), { recursive: true });
      renameSync(join(tmp, f.path), dest);
    }
  } catch (e) {
    throw e instanceof GradlocError ? e : ioError(`cannot write to ${target}`, e);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Every existing parent of the file (inside target) must be a dir, and the file must not be one. */
function checkDestination(target: string, path: string): void {
  const parts = path.split('/');
  let p = target;
  parts.forEach((part, i) => {
    p = join(p, part);
    if (!existsSync(p)) return;
    const isDir = statSync(p).isDirectory();
    const last = i === parts.length - 1;
    if (isDir === last) throw new GradlocError('BAD_INPUT', `cannot write ${join(target, path)}: ${p} is ${isDir ? 'a directory' : 'a file'}`);
  });
}

const ioError = (what: string, e: unknown): GradlocError =>
  new GradlocError('BAD_INPUT', `${what}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`, { cause: e });
