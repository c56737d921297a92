/**
 * Sessions on a remote model server that speaks the KServe v2 inference protocol over HTTP
 * (NVIDIA Triton with its onnxruntime backend, KServe, Seldon MLServer): the graph a package
 * compiles (a forward graph, a gradient graph) is sent to the server once, under a name made
 * from its bytes, and every run is an `infer` request. `RuntimeOptions.remote` makes
 * createSession return one, so every package runs remotely without a change.
 *
 * Protocol: GET /v2/models/{name} (metadata: the inputs and outputs), POST
 * /v2/models/{name}/infer (tensors as JSON: name, shape, datatype, row-major data), and
 * Triton's model repository extension to load a model sent in the request,
 * POST /v2/repository/models/{name}/load with the config and `file:1/model.onnx` (base64)
 * as parameters. A server without that extension serves models from its own repository:
 * `openRemoteSession` uses one by name (README, "Remote inference").
 *
 * JSON carries numbers: int64 values beyond 2^53 and float16 tensors are refused rather than
 * rounded (the binary tensor extension would carry them; not implemented).
 */
import { createHash } from 'node:crypto';
import { GradlocError, firstLine } from '../errors.js';
import { ARRAY_OF, type DType, type TypedArray } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';
import type { Session } from './session.js';

export interface RemoteOptions {
  /** The server's base URL, e.g. http://triton:8000. */
  readonly url: string;
  /** Extra request headers (authorization). */
  readonly headers?: Readonly<Record<string, string>>;
  /** Per request (default 60 s). */
  readonly timeoutMs?: number;
}

const KSERVE: Partial<Record<DType, string>> = {
  bool: 'BOOL',
  uint8: 'UINT8',
  uint16: 'UINT16',
  uint32: 'UINT32',
  uint64: 'UINT64',
  int8: 'INT8',
  int16: 'INT16',
  int32: 'INT32',
  int64: 'INT64',
  float32: 'FP32',
  float64: 'FP64',
};
const FROM_KSERVE = new Map(Object.entries(KSERVE).map(([d, k]) => [k, d as DType]));

interface WireTensor {
  readonly name: string;
  readonly shape: readonly number[];
  readonly datatype: string;
  readonly data: readonly (number | boolean)[];
}

function toWire(name: string, t: Tensor): WireTensor {
  const datatype = KSERVE[t.dtype];
  if (!datatype) throw new GradlocError('DTYPE_MISMATCH', `input '${name}' is ${t.dtype}, which KServe v2 JSON cannot carry exactly`);
  const data: (number | boolean)[] = new Array(t.data.length);
  for (let i = 0; i < t.data.length; i++) {
    const v = t.data[i];
    if (typeof v === 'bigint') {
      if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) throw new GradlocError('BAD_INPUT', `input '${name}' holds ${v}, beyond what JSON numbers carry exactly`);
      data[i] = Number(v);
    } else data[i] = t.dtype === 'bool' ? v !== 0 : v;
  }
  return { name, shape: [...t.dims], datatype, data };
}

function fromWire(w: WireTensor): Tensor {
  const dtype = FROM_KSERVE.get(w.datatype);
  if (!dtype) throw new GradlocError('DTYPE_MISMATCH', `output '${w.name}' is ${w.datatype}, which this client does not read`);
  const big = dtype === 'int64' || dtype === 'uint64';
  const data = new ARRAY_OF[dtype](w.data.length) as TypedArray;
  for (let i = 0; i < w.data.length; i++) {
    const v = w.data[i];
    (data as unknown as (number | bigint)[])[i] = big ? BigInt(v as number) : typeof v === 'boolean' ? Number(v) : v;
  }
  return { dtype, dims: [...w.shape], data };
}

async function request<T>(remote: RemoteOptions, method: 'GET' | 'POST', path: string, body?: unknown): Promise<T> {
  const url = `${remote.url.replace(/\/$/, '')}${path}`;
  let r: Response;
  try {
    r = await fetch(url, {
      method,
      headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...remote.headers },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(remote.timeoutMs ?? 60_000),
    });
  } catch (e) {
    throw new GradlocError('RUNTIME_ERROR', `model server ${remote.url} unreachable: ${firstLine((e as Error).cause ?? e)}`, { cause: e });
  }
  const text = await r.text();
  if (!r.ok) {
    let why = text;
    try {
      why = (JSON.parse(text) as { error?: string }).error ?? text;
    } catch {
      // not JSON: the text as it came
    }
    throw new GradlocError('RUNTIME_ERROR', `model server: ${method} ${path} answered ${r.status}: ${firstLine(why).slice(0, 300)}`);
  }
  return (text ? JSON.parse(text) : {}) as T;
}

interface Metadata {
  readonly inputs: readonly { name: string }[];
  readonly outputs: readonly { name: string }[];
}

/** A session on a model the server already has (its repository, or deployRemoteModel). */
export async function openRemoteSession(remote: RemoteOptions, name: string): Promise<Session> {
  const path = `/v2/models/${encodeURIComponent(name)}`;
  const meta = await request<Metadata>(remote, 'GET', path);
  const inputNames = meta.inputs.map((i) => i.name);
  const outputNames = meta.outputs.map((o) => o.name);
  return {
    inputNames,
    outputNames,
    executionProvider: 'remote',
    async run(feeds, outputs, into) {
      const inputs = inputNames.map((n) => {
        const t = feeds[n];
        if (!t) throw new GradlocError('BAD_INPUT', `missing feed for input '${n}'`);
        return toWire(n, t);
      });
      const wanted = outputs ?? outputNames;
      const res = await request<{ outputs: WireTensor[] }>(remote, 'POST', `${path}/infer`, { inputs, outputs: wanted.map((n) => ({ name: n })) });
      const out: Record<string, Tensor> = {};
      for (const w of res.outputs) {
        const t = fromWire(w);
        const target = into?.[w.name];
        if (target) {
          if (target.dtype !== t.dtype || target.data.length !== t.data.length) throw new GradlocError('SHAPE_MISMATCH', `output '${w.name}': the server sent ${t.dtype} [${t.dims.join(', ')}], the tensor to write into is ${target.dtype} [${target.dims.join(', ')}]`);
          (target.data as TypedArray).set(t.data as never);
          out[w.name] = target;
        } else out[w.name] = t;
      }
      for (const n of wanted) if (!out[n]) throw new GradlocError('RUNTIME_ERROR', `model server sent no output '${n}'`);
      return out;
    },
    // the model stays deployed: other sessions (or processes) may share it
    release: async () => {},
  };
}

/** The name a graph is deployed under: its bytes' hash, so a graph is sent once and shared. */
export const remoteModelName = (model: Uint8Array): string => `gradloc-${createHash('sha256').update(model).digest('hex').slice(0, 24)}`;

/** Sends an ONNX model to the server (Triton's repository extension: load with the file in the request). */
export async function deployRemoteModel(remote: RemoteOptions, name: string, model: Uint8Array): Promise<void> {
  const config = JSON.stringify({ name, backend: 'onnxruntime', max_batch_size: 0 });
  await request(remote, 'POST', `/v2/repository/models/${encodeURIComponent(name)}/load`, {
    parameters: { config, 'file:1/model.onnx': Buffer.from(model.buffer, model.byteOffset, model.byteLength).toString('base64') },
  });
}

/** createSession's remote path: the model deployed unless the server has it already, then opened. */
export async function createRemoteSession(remote: RemoteOptions, model: Uint8Array): Promise<Session> {
  const name = remoteModelName(model);
  const ready = await fetch(`${remote.url.replace(/\/$/, '')}/v2/models/${name}/ready`, { headers: { ...remote.headers }, signal: AbortSignal.timeout(remote.timeoutMs ?? 60_000) }).then(
    (r) => r.ok,
    () => false,
  );
  if (!ready) await deployRemoteModel(remote, name, model);
  return openRemoteSession(remote, name);
}
