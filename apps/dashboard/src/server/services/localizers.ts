/**
 * Open localization models (registry kind 'localizer') and the scenes they were trained on,
 * kept for the process: a model opens once, and its synthetic rooms are regenerated once.
 */
import { dataOf, Localizer, type SceneSource } from '@gradloc/ofvl-localize';
import type { RuntimeOptions } from '@gradloc/tensor-backend';
import type { ModelRegistry } from './registry.js';

export const DEFAULT_LOCALIZER = 'ofvl-rooms';

export interface OpenLocalizer {
  readonly name: string;
  readonly localizer: Localizer;
  /** The model's own scenes (test frames, trajectories, floor plans). */
  readonly data: Promise<readonly SceneSource[]>;
}

export class Localizers {
  private readonly open = new Map<string, OpenLocalizer>();

  constructor(
    private readonly registry: ModelRegistry,
    private readonly runtime: RuntimeOptions,
  ) {}

  get(name: string = DEFAULT_LOCALIZER): OpenLocalizer {
    const entry = this.registry.get(name, 'localizer');
    let o = this.open.get(entry.name);
    if (!o) {
      const localizer = Localizer.load(entry.file, this.runtime);
      const data = dataOf(localizer);
      // a model whose data cannot be regenerated still answers poses; the error shows where data is needed
      data.catch(() => undefined);
      o = { name: entry.name, localizer, data };
      this.open.set(entry.name, o);
    }
    return o;
  }

  async scene(name: string | undefined, scene: string): Promise<SceneSource> {
    const o = this.get(name);
    o.localizer.scene(scene);
    const found = (await o.data).find((s) => s.name === scene);
    if (!found) throw new Error(`internal: model ${o.name} has no data for scene ${scene}`);
    return found;
  }

  async release(): Promise<void> {
    await Promise.all([...this.open.values()].map((o) => o.localizer.release()));
    this.open.clear();
  }
}
