/**
 * Everything a request or a job needs besides the database: the model registry and the open
 * models. One instance per process (the server's, or the worker's).
 */
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
  /** onnxruntime options for models a job opens itself. */
  readonly runtime: RuntimeOptions;
  release(): Promise<void>;
}

export function createServices(env: Env): Services {
  const registry = new ModelRegistry(env.hfModels);
  const runtime: RuntimeOptions = env.threads ? { threads: env.threads } : {};
  const grounders = new Grounders(registry, runtime);
  const explainers = new Explainers(registry, runtime);
  const localizers = new Localizers(registry, runtime);
  const textExplainers = new TextExplainers(registry, runtime);
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
