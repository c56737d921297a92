/** Small models and two synthetic domains for the tests (not a test file itself). */
import { rng } from '@gradloc/tensor-backend';
import { buildSgtmGpt } from '../src/index.js';

export const TINY = { context: 8, dim: 32, depth: 2, heads: 4, mlpRatio: 4 } as const;
export const VOCAB = 24;

export const tinyModel = (seed = 3): ReturnType<typeof buildSgtmGpt> => buildSgtmGpt(VOCAB, seed, TINY);

/**
 * Two "languages" over disjoint ids: retain counts up through ids 0..11, forget counts down
 * through ids 12..23 with the same step pattern, so each is learnable and they share nothing
 * but the model.
 */
export function syntheticStreams(length: number, seed: number): { forget: Int32Array; retain: Int32Array } {
  const rand = rng(seed);
  const retain = new Int32Array(length);
  const forget = new Int32Array(length);
  let a = 0;
  let b = 0;
  for (let i = 0; i < length; i++) {
    // mostly +1 steps, sometimes +2, so the next token is not fully determined
    a = (a + (rand() < 0.8 ? 1 : 2)) % 12;
    b = (b + (rand() < 0.8 ? 1 : 2)) % 12;
    retain[i] = a;
    forget[i] = 12 + (11 - b);
  }
  return { forget, retain };
}
