/**
 * Everything a request or a job needs besides the database: the model registry and the open
 * models. One instance per process (the server's, or the worker's).
 */
import { availableParallelism } from 'node:os';
import type { RuntimeOptions } from '@gradloc/tensor-backend';
import { LocalBlobStore } from '../blobs/local.js';
import type { BlobStore } from '../blobs/store.js';
import type { Env } from '../env.js';
import { Explainers } from './explainers.js';
import { Grounders } from './grounders.js';
import { Localizers } from './localizers.js';
import { ModelRegistry } from './registry.js';
import { TextExplainers } from './text-explainers.js';

export interface Services {
  readonly env: Env;
  /** Uploads and job files (blobs/): a folder under the data directory. */
  readonly blobs: BlobStore;
  readonly registry: ModelRegistry;
  readonly grounders: Grounders;
  readonly explainers: Explainers;
  readonly localizers: Localizers;
  readonly textExplainers: TextExplainers;
  /** onnxruntime options for models a job opens itself (on the job's thread, every core by default). */
  readonly runtime: RuntimeOptions;
  release(): Promise<void>;
}

export interface ServicesOptions {
  /**
   * The web server's services: the models requests use run on threads of their own, with one
   * intra-op thread fewer than the cores (unless GRADLOC_THREADS says otherwise). Why:
   * onnxruntime-node computes on the thread that calls it, so in the request thread every
   * forward pass would stall the whole server (other requests' parsing, the health checks),
   * and the event loop needs a core of its own to keep answering while a model computes.
   * Measured with the load script (README, "Load"): see the README's table.
   */
  readonly serving?: boolean;
}

/** onnxruntime intra-op threads of a serving session: every core but the event loop's. */
export const servingThreads = (): number => Math.max(1, availableParallelism() - 1);

export function createServices(env: Env, o: ServicesOptions = {}): Services {
  const registry = new ModelRegistry(env.hfModels);
  const runtime: RuntimeOptions = env.threads ? { threads: env.threads } : {};
  const models: RuntimeOptions = o.serving ? { ...runtime, thread: true, threads: env.threads ?? servingThreads() } : runtime;
  const grounders = new Grounders(registry, models);
  const explainers = new Explainers(registry, models);
  const localizers = new Localizers(registry, models);
  const textExplainers = new TextExplainers(registry, models);
  return {
    env,
    blobs: new LocalBlobStore(env.dataDir),
    registry,
    grounders,
    explainers,
    localizers,
    textExplainers,
    runtime,
    async release() {
      await grounders.release();
      await explainers.release();
      await localizers.release();
      await textExplainers.release();
    },
  };
}
