/** What the method test files share: releasing the models they open, and a result's item maps. */
import { afterAll } from 'vitest';
import type { OnnxModel } from '@gradloc/tensor-backend';
import type { CamResult } from '../src/index.js';

/** A `keep(t)` that passes t through and releases t.model after the calling file's tests (call once per file). */
export function modelKeeper(): <T extends { model: OnnxModel }>(t: T) => T {
  const models: OnnxModel[] = [];
  afterAll(async () => {
    for (const m of models) await m.release();
  });
  return (t) => {
    models.push(t.model);
    return t;
  };
}

/** Item b's map [H * W] of a result. */
export const plane = (r: CamResult, b: number): Float32Array => r.maps.subarray(b * r.height * r.width, (b + 1) * r.height * r.width);
