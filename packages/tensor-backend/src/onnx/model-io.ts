/**
 * Reading and writing ONNX files, including external data (weights stored beside the
 * model in files named by `location`, at `offset`/`length`, as large Hugging Face exports do).
 */
import { createHash } from 'node:crypto';
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tempPathFor } from '../atomic-write.js';
import { dirname, join } from 'node:path';
import { GradlocError } from '../errors.js';
import { decodeMessage, encodeMessage } from './protobuf.js';
import { GraphDesc, ModelDesc, type GraphProto, type ModelProto, type TensorProto } from './schema.js';
import { ExternalDataReader } from './external.js';

export function decodeModel(bytes: Uint8Array): ModelProto {
  try {
    // A plain Uint8Array view: Node Buffers' slice() shares memory, which would leak into raw_data views
    const plain = new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const m = decodeMessage<ModelProto>(ModelDesc, plain);
    if (!m.graph) throw new Error('no graph');
    return m;
  } catch (e) {
    throw new GradlocError('BAD_MODEL', `not a valid ONNX model: ${(e as Error).message}`);
  }
}

export const encodeModel = (m: ModelProto): Uint8Array => encodeMessage(ModelDesc, m);
export const encodeGraph = (g: GraphProto): Uint8Array => encodeMessage(GraphDesc, g);

/** Every tensor of the model and its subgraphs (initializers, Constant attributes). */
export function* allTensors(g: GraphProto): Generator<TensorProto> {
  yield* g.initializer;
  for (const n of g.node) {
    for (const a of n.attribute) {
      if (a.t) yield a.t;
      yield* a.tensors;
      if (a.g) yield* allTensors(a.g);
      for (const sg of a.graphs) yield* allTensors(sg);
    }
  }
}

export interface LoadOptions {
  /** Read external data into raw_data (default true). */
  readonly loadExternalData?: boolean;
}

/** Loads a model file; external data is read relative to the model's folder. */
export function loadModel(path: string, opts: LoadOptions = {}): ModelProto {
  let bytes: Uint8Array;
  try {
    bytes = readFileSync(path);
  } catch {
    throw new GradlocError('FILE_NOT_FOUND', `cannot read model ${path}`);
  }
  const model = decodeModel(bytes);
  if (opts.loadExternalData !== false) loadExternalData(model, dirname(path));
  return model;
}

export function loadExternalData(model: ModelProto, baseDir: string): void {
  const reader = new ExternalDataReader(baseDir);
  try {
    for (const t of allTensors(model.graph!)) reader.load(t);
  } finally {
    reader.close();
  }
}

export interface SaveOptions {
  /** Store tensors of at least `threshold` bytes (default 1024) in this file beside the model. */
  readonly externalData?: { readonly location: string; readonly threshold?: number };
}

/**
 * Writes atomically: temp files + rename, so a crash never leaves a truncated model; on a
 * failure the temp files are removed. Both temps are complete before either is renamed, so a
 * model never points into a data file of another save (writeFileAtomic does one file).
 */
export function saveModel(path: string, model: ModelProto, opts: SaveOptions = {}): void {
  const ext = opts.externalData;
  const dataPath = ext ? join(dirname(path), ext.location) : '';
  const tmpData = ext ? tempPathFor(dataPath) : '';
  const tmp = tempPathFor(path);
  mkdirSync(dirname(path), { recursive: true });
  try {
    const toWrite = ext ? writeExternalData(model, tmpData, ext.location, ext.threshold ?? 1024) : model;
    writeFileSync(tmp, encodeModel(toWrite));
    if (ext) renameSync(tmpData, dataPath);
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    if (ext) rmSync(tmpData, { force: true });
    throw e;
  }
}

/**
 * Writes every tensor of at least `threshold` bytes to `file`, one tensor at a time, and
 * returns a copy of the model whose tensors point there. The weights are never gathered into
 * one buffer: that was a second copy of all of them (saving a 500M-parameter GPT peaked at
 * 4.1 GB instead of 2.2 GB) and, past 4 GiB, more than a Buffer can hold.
 */
function writeExternalData(model: ModelProto, file: string, location: string, threshold: number): ModelProto {
  const out = structuredCloneShallowGraph(model);
  const fd = openSync(file, 'w');
  try {
    let offset = 0;
    for (const t of allTensors(out.graph!)) {
      const bytes = t.raw_data;
      if (!bytes || bytes.length < threshold) continue;
      const pad = (64 - (offset % 64)) % 64; // align like onnx's save_as_external_data
      if (pad) writeAt(fd, new Uint8Array(pad), offset);
      offset += pad;
      writeAt(fd, bytes, offset);
      t.external_data = [
        { key: 'location', value: location },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(bytes.length) },
      ];
      t.data_location = 1;
      offset += bytes.length;
      t.raw_data = undefined;
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

/** writeSync may write less than asked (and at most 2 GiB a call): loop until all of `bytes` is at `position`. */
function writeAt(fd: number, bytes: Uint8Array, position: number): void {
  for (let done = 0; done < bytes.length; ) {
    const n = writeSync(fd, bytes, done, Math.min(bytes.length - done, 1 << 30), position + done);
    if (n <= 0) throw new GradlocError('BAD_INPUT', `cannot write external data: wrote ${done} of ${bytes.length} bytes`);
    done += n;
  }
}

/** Copies the model's message tree (not the weight bytes) so saving never mutates the caller's model. */
function structuredCloneShallowGraph(m: ModelProto): ModelProto {
  const clone = (v: unknown): unknown => {
    if (v instanceof Uint8Array) return v;
    if (Array.isArray(v)) return v.map(clone);
    if (v && typeof v === 'object') {
      const o: Record<string, unknown> = {};
      for (const [k, x] of Object.entries(v)) o[k] = clone(x);
      return o;
    }
    return v;
  };
  return clone(m) as ModelProto;
}

/** Content hash of a model (its encoded bytes), for compile caches. */
export const modelHash = (bytes: Uint8Array): string => createHash('sha256').update(bytes).digest('hex').slice(0, 32);
