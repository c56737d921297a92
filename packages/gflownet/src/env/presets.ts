/**
 * The named environments of `gradloc gfn bench`:
 * - `set-small`: the authors' "small" set task (30 items, sets of 20) with the item energies of
 *   their set/gflownet.py (`--size small`), scored by the top-100 reward (C(30, 20) = 3e7 sets);
 * - `set-exact`: 12 items, sets of 6, energies U[-1, 1) drawn from a fixed seed: 924 terminal
 *   sets, so the target distribution and the sampler's are computed exactly;
 * - `hypergrid`: torchgfn's 2-D 8x8 hypergrid with the original reward.
 */
import { GradlocError, rng } from '@gradloc/tensor-backend';
import { HyperGrid } from './hypergrid.js';
import { SetEnv } from './set.js';
import type { Environment } from './types.js';

/** Item energies of the authors' small set task (ling-pan/FL-GFN, set/gflownet.py, `--size small`). */
export const AUTHORS_SMALL_ENERGIES: readonly number[] = [
  0.6961474461702144, 0.883494921538938, -0.2745059751263419, 0.883494921538938, 0.7442282139370466, 0.7442282139370466, -0.40046449111789073,
  0.6261749162235306, -0.4381397850674522, 0.4110535720923896, -0.4381397850674522, 0.8206350287761408, 0.6961474461702144, 0.013149744911117978,
  0.6961474461702144, 0.4110535720923896, 0.013149744911117978, -0.40046449111789073, -0.4381397850674522, 0.883494921538938, 0.7442282139370466,
  -0.2745059751263419, 0.6261749162235306, 0.6261749162235306, 0.8206350287761408, -0.40046449111789073, 0.8206350287761408, -0.2745059751263419,
  0.4110535720923896, 0.013149744911117978,
];

/** `items` energies U[-1, 1) from `seed` (the enumerable task's). */
export function uniformEnergies(items: number, seed: number): number[] {
  const r = rng(seed);
  return Array.from({ length: items }, () => 2 * r() - 1);
}

export const ENV_NAMES = ['set-small', 'set-exact', 'hypergrid'] as const;
export type EnvName = (typeof ENV_NAMES)[number];

export function envByName(name: string): Environment {
  switch (name) {
    case 'set-small':
      return new SetEnv({ energies: AUTHORS_SMALL_ENERGIES, size: 20, name });
    case 'set-exact':
      return new SetEnv({ energies: uniformEnergies(12, 12), size: 6, name });
    case 'hypergrid':
      return new HyperGrid({ ndim: 2, height: 8 });
    default:
      throw new GradlocError('BAD_INPUT', `unknown environment '${name}' (known: ${ENV_NAMES.join(', ')})`);
  }
}
