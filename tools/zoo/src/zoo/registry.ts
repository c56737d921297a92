/** The shipped models, by name, and where they live. */
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GradlocError } from '@gradloc/tensor-backend';
import type { ZooEntry } from './types.js';

const entries = new Map<string, ZooEntry>();

export function registerModel(entry: ZooEntry): void {
  entries.set(entry.name, entry);
}

export const zooModels = (): ZooEntry[] => [...entries.values()];

export function zooModel(name: string): ZooEntry {
  const e = entries.get(name);
  if (!e) {
    throw new GradlocError('MODEL_NOT_FOUND', `no zoo model named '${name}' (models: ${[...entries.keys()].join(', ') || 'none'})`);
  }
  return e;
}

/** The repository's models/ folder (GRADLOC_MODELS overrides it). */
export function modelsDir(): string {
  if (process.env.GRADLOC_MODELS) return resolve(process.env.GRADLOC_MODELS);
  // dist/zoo/registry.js -> tools/zoo -> repo root
  const root = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..', '..', '..');
  return join(root, 'models');
}

export function modelDir(name: string): string {
  const dir = join(modelsDir(), name);
  if (!existsSync(join(dir, 'model.onnx'))) {
    throw new GradlocError('MODEL_NOT_FOUND', `model '${name}' is not in ${modelsDir()} (train it with: gradloc train ${name})`);
  }
  return dir;
}
