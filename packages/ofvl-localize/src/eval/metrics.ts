/** The 7-Scenes metrics: median translation and rotation error, share of frames within 5 cm and 5 deg. */
import { median } from '@gradloc/tensor-backend';
import type { PoseError } from '../geometry/pose.js';

export interface SceneMetrics {
  readonly scene: string;
  readonly frames: number;
  readonly medianTranslationCm: number;
  readonly medianRotationDeg: number;
  /** Share of frames with error <= 5 cm AND <= 5 deg, in [0, 1]. */
  readonly within5cm5deg: number;
}

// re-exported: part of this package's API before tensor-backend had it
export { median };

export function sceneMetrics(scene: string, errors: readonly PoseError[]): SceneMetrics {
  return {
    scene,
    frames: errors.length,
    medianTranslationCm: median(errors.map((e) => e.translationCm)),
    medianRotationDeg: median(errors.map((e) => e.rotationDeg)),
    within5cm5deg: errors.length ? errors.filter((e) => e.translationCm <= 5 && e.rotationDeg <= 5).length / errors.length : NaN,
  };
}

/** Means over scenes (each scene weighs the same, as the papers average their tables). */
export function meanMetrics(scenes: readonly SceneMetrics[]): Omit<SceneMetrics, 'scene'> {
  const mean = (f: (s: SceneMetrics) => number): number => scenes.reduce((a, s) => a + f(s), 0) / scenes.length;
  return {
    frames: scenes.reduce((a, s) => a + s.frames, 0),
    medianTranslationCm: mean((s) => s.medianTranslationCm),
    medianRotationDeg: mean((s) => s.medianRotationDeg),
    within5cm5deg: mean((s) => s.within5cm5deg),
  };
}
