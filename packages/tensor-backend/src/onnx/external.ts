/**
 * Reading external data one tensor at a time. loadModel(path) reads every tensor at once;
 * a streamed pass over a model larger than memory (quant-gwq's quantizeModelFile) opens the
 * model with `loadExternalData: false` and reads each weight only when it needs it.
 */
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { isAbsolute, join, normalize, relative } from 'node:path';
import { GradlocError } from '../errors.js';
import type { TensorProto } from './schema.js';
import { externalInfo, isExternal, protoByteSize } from './tensor-proto.js';

/** Reads tensors' external bytes relative to a model folder, keeping each data file open until close(). */
export class ExternalDataReader {
  private readonly fds = new Map<string, number>();

  constructor(readonly baseDir: string) {}

  /** The bytes of an external tensor (checked to lie inside the model folder and inside its file). */
  read(t: TensorProto): Uint8Array {
    const { location, offset, length } = externalInfo(t);
    const file = normalize(join(this.baseDir, location));
    if (isAbsolute(location) || relative(this.baseDir, file).startsWith('..')) {
      throw new GradlocError('BAD_MODEL', `tensor ${t.name}: external data location '${location}' leaves the model folder`);
    }
    const fd = this.open(file, t.name ?? '');
    const size = length ?? protoByteSize(t);
    const fileSize = fstatSync(fd).size;
    if (offset + size > fileSize) {
      throw new GradlocError('BAD_MODEL', `tensor ${t.name}: external data ${location}@${offset}+${size} is past the end of the file (${fileSize} bytes)`);
    }
    const buf = new Uint8Array(size);
    // readSync reads at most 2 GiB per call
    for (let done = 0; done < size; ) {
      const n = readSync(fd, buf, done, Math.min(size - done, 1 << 30), offset + done);
      if (n <= 0) throw new GradlocError('BAD_MODEL', `tensor ${t.name}: external data ${location} ended early`);
      done += n;
    }
    return buf;
  }

  /** A copy of `t` holding its bytes in raw_data (itself when it is not external). */
  materialized(t: TensorProto): TensorProto {
    return isExternal(t) ? { ...t, raw_data: this.read(t), data_location: 0, external_data: [] } : t;
  }

  /** Moves an external tensor's bytes into its raw_data, in place. */
  load(t: TensorProto): void {
    if (!isExternal(t)) return;
    t.raw_data = this.read(t);
    t.data_location = 0;
    t.external_data = [];
  }

  close(): void {
    for (const fd of this.fds.values()) closeSync(fd);
    this.fds.clear();
  }

  private open(file: string, tensorName: string): number {
    let fd = this.fds.get(file);
    if (fd === undefined) {
      try {
        fd = openSync(file, 'r');
      } catch {
        throw new GradlocError('FILE_NOT_FOUND', `tensor ${tensorName}: external data file ${file} not found`);
      }
      this.fds.set(file, fd);
    }
    return fd;
  }
}
