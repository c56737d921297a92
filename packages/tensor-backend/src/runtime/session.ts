/**
 * onnxruntime-node sessions with a choice of execution provider. A provider that is not
 * available here falls back to the CPU with one clear warning (once per provider).
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { GradlocError, ortMessage } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { fromOrt, toOrt } from './ort-tensor.js';
import { createRemoteSession, type RemoteOptions } from './kserve.js';
import { createThreadedOrt, type OrtHandle, type OrtTensorFields } from './thread.js';

export type ExecutionProvider = 'cpu' | 'cuda' | 'webgpu';

export interface RuntimeOptions {
  /** Execution provider (default 'cpu'); unavailable ones fall back to 'cpu' with a warning. */
  readonly executionProvider?: ExecutionProvider;
  /**
   * Intra-op threads (default: `defaultThreads()`, every core the process may use).
   * onnxruntime's own default counts physical cores only, which leaves half of a
   * hyper-threaded or 2-vCPU machine idle (ResNet-18 forward 18 ms vs 10.5 ms here).
   */
  readonly threads?: number;
  /**
   * Let idle worker threads spin (default true: lowest latency for one session). Turn off
   * when several sessions alternate, which otherwise slow each other.
   */
  readonly spinning?: boolean;
  /**
   * Run on a worker thread of the session's own (default false). onnxruntime-node computes
   * on the thread that calls `run`, so a server calling it from its event loop answers
   * nothing else meanwhile; with `thread` the loop stays free and runs queue on the
   * session's thread (thread.ts). Costs a copy of the inputs per run.
   */
  readonly thread?: boolean;
  /**
   * Run on a remote model server (KServe v2 over HTTP: Triton, KServe, MLServer) instead of
   * onnxruntime in this process: each model is deployed there once (kserve.ts).
   */
  readonly remote?: RemoteOptions;
}

/** Providers that failed once in this process: later sessions go straight to the CPU. */
const require = createRequire(import.meta.url);
const unavailable = new Map<ExecutionProvider, string>();
let warn = (message: string): void => {
  process.emitWarning(message, { code: 'GRADLOC_EP_FALLBACK' });
};
/** Redirects fallback warnings (tests, the CLI's own logger). */
export function setWarningHandler(fn: (message: string) => void): void {
  warn = fn;
}

export interface Session {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  /** The provider actually in use ('remote': a model server, RuntimeOptions.remote). */
  readonly executionProvider: ExecutionProvider | 'remote';
  /**
   * `into`: preallocated tensors (same dtype and dims as the outputs) that onnxruntime writes
   * those outputs into; they are returned as given. Saves allocating large outputs on every
   * run (a training step's gradients).
   */
  run(
    feeds: Readonly<Record<string, Tensor>>,
    outputs?: readonly string[],
    into?: Readonly<Record<string, Tensor>>,
  ): Promise<Record<string, Tensor>>;
  release(): Promise<void>;
}

/** The intra-op thread count sessions get when the caller names none: every usable core. */
export const defaultThreads = (): number => availableParallelism();

function sessionOptions(ep: ExecutionProvider, opts: RuntimeOptions): ort.InferenceSession.SessionOptions {
  return {
    executionProviders: [ep],
    graphOptimizationLevel: 'all',
    intraOpNumThreads: opts.threads ?? defaultThreads(),
    interOpNumThreads: 1,
    ...(opts.spinning === false ? { extra: { session: { intra_op: { allow_spinning: '0' } } } } : {}),
  };
}

/** The CUDA provider is a separate library that onnxruntime-node downloads at install time. */
function cudaMissing(): string | undefined {
  const dir = join(dirname(require.resolve('onnxruntime-node')), '..', 'bin', 'napi-v6', process.platform, process.arch);
  return existsSync(join(dir, 'libonnxruntime_providers_cuda.so')) ? undefined : `no CUDA provider library in ${dir}`;
}

/** onnxruntime on this thread: `run` blocks it for the whole computation. */
async function openHere(model: Uint8Array, options: ort.InferenceSession.SessionOptions): Promise<OrtHandle> {
  const s = await ort.InferenceSession.create(model, options);
  return {
    inputNames: s.inputNames,
    outputNames: s.outputNames,
    run(feeds, outputs, into) {
      const ortFeeds: Record<string, ort.Tensor> = {};
      for (const [name, t] of Object.entries(feeds)) ortFeeds[name] = toOrt(t);
      if (into) return s.run(ortFeeds, fetchesInto(outputs ?? s.outputNames, into));
      return outputs ? s.run(ortFeeds, [...outputs]) : s.run(ortFeeds);
    },
    release: () => s.release(),
  };
}

export async function createSession(model: Uint8Array, opts: RuntimeOptions = {}): Promise<Session> {
  if (opts.remote) return createRemoteSession(opts.remote, model);
  const open = opts.thread ? createThreadedOrt : openHere;
  const wanted = opts.executionProvider ?? 'cpu';
  let ep: ExecutionProvider = wanted;
  let session: OrtHandle | undefined;
  if (wanted === 'cuda' && !unavailable.has('cuda')) {
    const why = cudaMissing();
    if (why) unavailable.set('cuda', why);
  }
  let why = unavailable.get(wanted);
  if (!why) {
    try {
      session = await open(model, sessionOptions(wanted, opts));
    } catch (e) {
      if (wanted === 'cpu') throw new GradlocError('RUNTIME_ERROR', `onnxruntime could not load the model: ${ortMessage(e)}`, { cause: e });
      why = ortMessage(e);
      unavailable.set(wanted, why);
      warnFallback(wanted, why);
    }
  } else warnFallback(wanted, why);
  if (!session) {
    ep = 'cpu';
    try {
      session = await open(model, sessionOptions('cpu', opts));
    } catch (e2) {
      throw new GradlocError('RUNTIME_ERROR', `onnxruntime could not load the model: ${ortMessage(e2)}`, { cause: e2 });
    }
  }
  const s = session;
  return {
    inputNames: s.inputNames,
    outputNames: s.outputNames,
    executionProvider: ep,
    async run(feeds, outputs, into) {
      const used: Record<string, Tensor> = {};
      for (const name of s.inputNames) {
        const t = feeds[name];
        if (!t) throw new GradlocError('BAD_INPUT', `missing feed for input '${name}'`);
        used[name] = t;
      }
      let result: Record<string, OrtTensorFields>;
      try {
        result = await s.run(used, outputs, into);
      } catch (e) {
        throw new GradlocError('RUNTIME_ERROR', `onnxruntime failed: ${ortMessage(e)}`, { cause: e });
      }
      const out: Record<string, Tensor> = {};
      for (const [k, v] of Object.entries(result)) out[k] = into?.[k] ?? fromOrt(v, k);
      return out;
    },
    release: () => s.release(),
  };
}

/** Fetches for onnxruntime: a preallocated tensor where the caller gave one, null (allocate) elsewhere. */
function fetchesInto(outputs: readonly string[], into: Readonly<Record<string, Tensor>>): Record<string, ort.Tensor | null> {
  const fetches: Record<string, ort.Tensor | null> = {};
  for (const name of outputs) fetches[name] = into[name] ? toOrt(into[name]) : null;
  return fetches;
}

const warned = new Set<ExecutionProvider>();
function warnFallback(ep: ExecutionProvider, why: string): void {
  if (warned.has(ep)) return;
  warned.add(ep);
  warn(`execution provider '${ep}' is not available here (${why}); falling back to cpu`);
}

