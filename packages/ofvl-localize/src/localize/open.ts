/**
 * Opening a localization model by zoo name, folder or file, and the frames it was trained on:
 * the synthetic rooms are regenerated from the model's data descriptor; a model trained on a
 * 7-Scenes/12-Scenes folder reads it again (or from `dataRoot` when it moved).
 */
import { resolveModel, type ModelsOptions } from '@gradloc/models';
import { GradlocError, type RuntimeOptions } from '@gradloc/tensor-backend';
import type { SceneSource } from '../data/frame.js';
import { sevenScenes } from '../data/seven-scenes.js';
import { syntheticRooms } from '../data/synthetic/index.js';
import { Localizer } from './localizer.js';

export interface OpenOptions extends ModelsOptions {
  readonly runtime?: RuntimeOptions;
}

export interface OpenedLocalizer {
  readonly name: string;
  readonly dir: string;
  readonly localizer: Localizer;
}

export function openLocalizer(spec: string, opts: OpenOptions = {}): OpenedLocalizer {
  const found = resolveModel(spec, opts);
  return { name: found.name, dir: found.dir, localizer: Localizer.load(found.file, opts.runtime) };
}

/** The scenes the model was trained on, as sources of test frames. */
export async function dataOf(localizer: Localizer, dataRoot?: string): Promise<SceneSource[]> {
  const d = localizer.meta.data;
  const { width, height } = localizer.meta.network;
  if (dataRoot !== undefined) return sevenScenes(dataRoot, { scenes: [...localizer.scenes], width, height });
  if (!d) throw new GradlocError('BAD_INPUT', `${localizer.where} does not say what data it was trained on: give the data folder (--data DIR)`);
  if (d.kind === 'synthetic') return syntheticRooms({ seed: d.seed, rooms: d.rooms, train: d.train, test: d.test, width, height });
  return sevenScenes(d.root, { scenes: [...localizer.scenes], width, height });
}
