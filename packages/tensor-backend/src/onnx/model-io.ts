/**
 * Reading and writing ONNX files, including external data (weights stored beside the
 * model in files named by `location`, at `offset`/`length`, as large Hugging Face exports do).
 */
import { createHash } from 'node:crypto';
import { closeSync, openSync, readFileSync, readSync, renameSync, writeFileSync, fstatSync } from 'node:fs';
import { dirname, join, normalize, isAbsolute, relative } from 'node:path';
import { GradlocError } from '../errors.js';
import { decodeMessage, encodeMessage } from './protobuf.js';
import { GraphDesc, ModelDesc, type GraphProto, type ModelProto, type TensorProto } from './schema.js';
import { externalInfo, isExternal, protoByteSize } from './tensor-proto.js';

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
  const fds = new Map<string, number>();
  try {
    for (const t of allTensors(model.graph!)) {
      if (!isExternal(t)) continue;
      const { location, offset, length } = externalInfo(t);
      const file = normalize(join(baseDir, location));
      if (isAbsolute(location) || relative(baseDir, file).startsWith('..')) {
        throw new GradlocError('BAD_MODEL', `tensor ${t.name}: external data location '${location}' leaves the model folder`);
      }
      let fd = fds.get(file);
      if (fd === undefined) {
        try {
          fd = openSync(file, 'r');
        } catch {
          throw new GradlocError('FILE_NOT_FOUND', `tensor ${t.name}: external data file ${file} not found`);
        }
        fds.set(file, fd);
      }
      const size = length ?? protoByteSize(t);
      const fileSize = fstatSync(fd).size;
      if (offset + size > fileSize) {
        throw new GradlocError('BAD_MODEL', `tensor ${t.name}: external data ${location}@${offset}+${size} is past the end of the file (${fileSize} bytes)`);
      }
      const buf = new Uint8Array(size);
      readSync(fd, buf, 0, size, offset);
      t.raw_data = buf;
      t.data_location = 0;
      t.external_data = [];
    }
  } finally {
    for (const fd of fds.values()) closeSync(fd);
  }
}

export interface SaveOptions {
  /** Store tensors of at least `threshold` bytes (default 1024) in this file beside the model. */
  readonly externalData?: { readonly location: string; readonly threshold?: number };
}

/** Writes atomically: temp files + rename, so a crash never leaves a truncated model. */
export function saveModel(path: string, model: ModelProto, opts: SaveOptions = {}): void {
  const ext = opts.externalData;
  let toWrite = model;
  const tmpData = ext ? `${join(dirname(path), ext.location)}.tmp-${process.pid}` : '';
  if (ext) {
    const threshold = ext.threshold ?? 1024;
    const chunks: Uint8Array[] = [];
    let offset = 0;
    toWrite = structuredCloneShallowGraph(model);
    for (const t of allTensors(toWrite.graph!)) {
      if (!t.raw_data || t.raw_data.length < threshold) continue;
      const pad = (64 - (offset % 64)) % 64; // align like onnx's save_as_external_data
      if (pad) chunks.push(new Uint8Array(pad));
      offset += pad;
      chunks.push(t.raw_data);
      t.external_data = [
        { key: 'location', value: ext.location },
        { key: 'offset', value: String(offset) },
        { key: 'length', value: String(t.raw_data.length) },
      ];
      t.data_location = 1;
      offset += t.raw_data.length;
      t.raw_data = undefined;
    }
    writeFileSync(tmpData, Buffer.concat(chunks));
  }
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, encodeModel(toWrite));
  if (ext) renameSync(tmpData, join(dirname(path), ext.location));
  renameSync(tmp, path);
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
