/** The training recipes of the shipped models, by name (the models themselves: @gradloc/models' catalog). */
import { GradlocError } from '@gradloc/tensor-backend';
import type { Recipe } from '@gradloc/models';

const entries = new Map<string, Recipe>();

export function registerModel(entry: Recipe): void {
  entries.set(entry.name, entry);
}

export const zooModels = (): Recipe[] => [...entries.values()];

export function zooModel(name: string): Recipe {
  const e = entries.get(name);
  if (!e) {
    throw new GradlocError('MODEL_NOT_FOUND', `no training recipe named '${name}' (recipes: ${[...entries.keys()].join(', ') || 'none'})`);
  }
  return e;
}
