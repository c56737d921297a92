/**
 * The blob store of one machine: a folder (<GRADLOC_DATA_DIR> by default, so a job's files are
 * <data>/jobs/<id>/<name>, where earlier versions kept them). Writes go to a temporary name
 * and are renamed into place, so a reader never sees half a file.
 */
import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { checkKey, type BlobStore } from './store.js';

export class LocalBlobStore implements BlobStore {
  constructor(readonly root: string) {}

  private path(key: string): string {
    return join(this.root, ...checkKey(key).split('/'));
  }

  async put(key: string, bytes: Uint8Array): Promise<void> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    const tmp = `${path}.tmp-${process.pid}-${Math.random().toString(36).slice(2)}`;
    await writeFile(tmp, bytes);
    await rename(tmp, path);
  }

  async get(key: string): Promise<Uint8Array | undefined> {
    try {
      const b = await readFile(this.path(key));
      return new Uint8Array(b.buffer, b.byteOffset, b.length); // the interface's type, not a Buffer
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' || (e as NodeJS.ErrnoException).code === 'EISDIR') return undefined;
      throw e;
    }
  }

  async removeAll(prefix: string): Promise<void> {
    await rm(this.path(prefix), { recursive: true, force: true });
  }
}
