/**
 * An onnxruntime session on a worker thread of its own (`RuntimeOptions.thread`).
 *
 * Why: onnxruntime-node's `run` computes on the thread that calls it (its promise only defers
 * the start to setImmediate), so a server that runs a model in its request thread stops
 * answering anything else - health checks, uploads, other requests' parsing - for the whole
 * forward pass, and requests cannot overlap their JavaScript with another request's compute.
 * Here the session lives on a worker thread: runs queue there in order, the caller's event
 * loop stays free.
 *
 * The thread's code is a string evaluated by node (no file to locate, in `dist` or in a
 * bundle); it needs only onnxruntime-node, resolved from this package. Inputs are copied to
 * the thread (the caller may reuse its arrays), outputs are moved back (their buffers are
 * transferred, not copied). The thread holds the process open only while runs are pending.
 */
import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type * as ort from 'onnxruntime-node';
import type { TypedArray } from '../tensor/dtype.js';
import type { Tensor } from '../tensor/tensor.js';

/** An onnxruntime tensor's fields, as they cross the thread boundary (structured clone). */
export interface OrtTensorFields {
  readonly type: string;
  readonly data: TypedArray | readonly string[];
  readonly dims: readonly number[];
}

type Reply = { readonly id: number; readonly error: string } | { readonly id: number; readonly value: unknown };

/** The worker: create, run, release; every reply names the request it answers. */
const THREAD_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const ort = require(workerData.ort);
let session;
const wire = (t) => ({ type: t.type, data: t.data, dims: t.dims });
parentPort.on('message', async ({ id, op, args }) => {
  try {
    let value;
    if (op === 'create') {
      session = await ort.InferenceSession.create(args.model, args.options);
      value = { inputNames: session.inputNames, outputNames: session.outputNames };
    } else if (op === 'run') {
      const feeds = {};
      for (const [k, t] of Object.entries(args.feeds)) feeds[k] = new ort.Tensor(t.type, t.data, t.dims);
      const result = args.outputs ? await session.run(feeds, args.outputs) : await session.run(feeds);
      value = {};
      const moved = new Set();
      for (const [k, t] of Object.entries(result)) {
        value[k] = wire(t);
        if (ArrayBuffer.isView(t.data)) moved.add(t.data.buffer);
      }
      try {
        parentPort.postMessage({ id, value }, [...moved]);
      } catch {
        parentPort.postMessage({ id, value }); // a buffer that cannot move (shared with onnxruntime): copy it
      }
      return;
    } else if (op === 'release') {
      await session?.release();
      session = undefined;
      value = null;
    }
    parentPort.postMessage({ id, value });
  } catch (e) {
    parentPort.postMessage({ id, error: e instanceof Error ? e.message : String(e) });
  }
});
`;

const require = createRequire(import.meta.url);

/** The part of an onnxruntime session the engine uses, whichever thread it runs on. */
export interface OrtHandle {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** `into`: tensors to write those outputs into (returned in their place). */
  run(feeds: Readonly<Record<string, Tensor>>, outputs: readonly string[] | undefined, into: Readonly<Record<string, Tensor>> | undefined): Promise<Record<string, OrtTensorFields>>;
  release(): Promise<void>;
}

/** A failure on the thread: onnxruntime's message, or the thread's end. */
export class ThreadedOrtError extends Error {}

export async function createThreadedOrt(model: Uint8Array, options: ort.InferenceSession.SessionOptions): Promise<OrtHandle> {
  const worker = new Worker(THREAD_SOURCE, { eval: true, workerData: { ort: require.resolve('onnxruntime-node') } });
  worker.unref();
  const pending = new Map<number, { resolve: (v: unknown) => void; reject: (e: Error) => void }>();
  let next = 0;
  let dead: Error | undefined;
  const settleAll = (e: Error): void => {
    dead = e;
    for (const p of pending.values()) p.reject(e);
    pending.clear();
  };
  worker.on('message', (m: Reply) => {
    const p = pending.get(m.id);
    if (!p) return;
    pending.delete(m.id);
    if (pending.size === 0) worker.unref();
    if ('error' in m) p.reject(new ThreadedOrtError(m.error));
    else p.resolve(m.value);
  });
  worker.on('error', (e) => settleAll(new ThreadedOrtError(`the onnxruntime thread failed: ${e.message}`)));
  worker.on('exit', (code) => settleAll(new ThreadedOrtError(`the onnxruntime thread exited (code ${code})`)));

  const call = <T>(op: string, args: unknown): Promise<T> => {
    if (dead) return Promise.reject(dead);
    const id = next++;
    if (pending.size === 0) worker.ref();
    return new Promise<T>((resolve, reject) => {
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      worker.postMessage({ id, op, args });
    });
  };

  let names: { inputNames: string[]; outputNames: string[] };
  try {
    names = await call('create', { model, options });
  } catch (e) {
    await worker.terminate();
    throw e;
  }
  return {
    ...names,
    async run(feeds, outputs, into) {
      const wire: Record<string, OrtTensorFields> = {};
      for (const [k, t] of Object.entries(feeds)) wire[k] = { type: t.dtype, data: t.data, dims: t.dims };
      const result = await call<Record<string, OrtTensorFields>>('run', { feeds: wire, outputs });
      // the thread cannot write into the caller's arrays: copy (the in-process path writes in place)
      for (const [k, t] of Object.entries(into ?? {})) {
        const got = result[k];
        if (got) (t.data as Float32Array).set(got.data as Float32Array);
      }
      return result;
    },
    async release() {
      if (dead) return;
      try {
        await call('release', null);
      } finally {
        await worker.terminate();
      }
    },
  };
}
