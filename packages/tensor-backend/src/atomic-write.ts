/**
 * One way every package writes a result file: into a temp file beside it, renamed over the
 * target when complete, the temp removed on failure, so a crash or a full disk never leaves
 * half a model, image or table where the user expects the file. The target's folder is made
 * if missing (as `--out new-dir/q.onnx` asks).
 */
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';

/** The temp name beside `path` for this process. */
export const tempPathFor = (path: string): string => `${path}.tmp-${process.pid}`;

/** Writes `content` to `path` atomically. */
export function writeFileAtomic(path: string, content: Uint8Array | string): void {
  mkdirSync(dirname(path), { recursive: true });
  const tmp = tempPathFor(path);
  try {
    writeFileSync(tmp, content);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  }
}
