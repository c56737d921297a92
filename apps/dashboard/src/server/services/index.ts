/**
 * Everything a request or a job needs besides the database: the model registry and the open
 * models. One instance per process (the server's, or the worker's).
 */
import type { RuntimeOptions } from '@gradloc/tensor-backend';
import type { Env } from '../env.js';
import { Explainers } from './explainers.js';
import { Grounders } from './grounders.js';
import { Localizers } from './localizers.js';
import { ModelRegistry } from './registry.js';
import { TextExplainers } from './text-explainers.js';

export interface Services {
  readonly env: Env;
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
