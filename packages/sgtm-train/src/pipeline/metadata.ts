/**
 * What a trained model records about its split (ONNX metadata), so evaluation ablates the
 * same parameters whether it gets a zoo name, a folder or a bare model.onnx.
 */
import { GradlocError, type Graph } from '@gradloc/tensor-backend';
import type { SplitOptions } from '../split/param-split.js';
import type { Method } from '../train/methods.js';

export const SGTM_META = {
  method: 'gradloc.sgtm.method',
  forgetUnits: 'gradloc.sgtm.forget_units',
  forgetHeads: 'gradloc.sgtm.forget_heads',
  layers: 'gradloc.sgtm.layers',
  undiscovered: 'gradloc.sgtm.undiscovered',
  maskedGroups: 'gradloc.sgtm.masked_groups',
} as const;

export interface SgtmFacts {
  readonly method: Method;
  readonly forgetUnits: number;
  readonly forgetHeads: number;
  readonly layers: readonly number[];
  /** Share in [0, 1]. */
  readonly undiscovered: number;
  readonly maskedGroups: string;
}

export function writeSgtmMeta(g: Graph, f: SgtmFacts): void {
  const entries: [string, string][] = [
    [SGTM_META.method, f.method],
    [SGTM_META.forgetUnits, String(f.forgetUnits)],
    [SGTM_META.forgetHeads, String(f.forgetHeads)],
    [SGTM_META.layers, f.layers.join(',')],
    [SGTM_META.undiscovered, String(f.undiscovered)],
    [SGTM_META.maskedGroups, f.maskedGroups],
  ];
  const keys = new Set(entries.map(([k]) => k));
  const kept = g.metadata.filter((m) => !keys.has(m.key ?? ''));
  g.metadata.length = 0;
  g.metadata.push(...kept, ...entries.map(([key, value]) => ({ key, value })));
}

/** The split a model was trained with (defaults when it carries none: a model from elsewhere). */
export function splitOf(g: Graph): SplitOptions {
  const get = (k: string): string | undefined => g.metadata.find((m) => m.key === k)?.value;
  const num = (k: string): number | undefined => {
    const v = get(k);
    if (v === undefined) return undefined;
    const n = Number(v);
    if (!Number.isInteger(n)) throw new GradlocError('BAD_MODEL', `metadata ${k} = '${v}' is not an integer`);
    return n;
  };
  const layers = get(SGTM_META.layers);
  return { forgetUnits: num(SGTM_META.forgetUnits), forgetHeads: num(SGTM_META.forgetHeads), layers: layers ? layers.split(',').map(Number) : undefined };
}
