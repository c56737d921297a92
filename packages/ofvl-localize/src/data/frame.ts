/**
 * What every source of localization data gives (the synthetic rooms, 7-Scenes/12-Scenes
 * folders): frames with an image, per-pixel depth and scene coordinates, and the true
 * camera-to-world pose.
 */
import type { RgbImage } from '@gradloc/tensor-backend';
import type { Intrinsics, Pose } from '../geometry/pose.js';

export type Split = 'train' | 'test';

export interface Frame {
  readonly scene: string;
  readonly split: Split;
  /** Index within the scene's split. */
  readonly index: number;
  /** The camera sequence the frame comes from ('seq-01', ...), when the source has sequences. */
  readonly sequence?: string;
  /** RGB, row-major [height, width, 3]. */
  readonly image: RgbImage;
  /** Metres along the optical axis per pixel, row-major [height, width]; 0 where unknown. */
  readonly depth: Float32Array;
  /** World coordinates (metres) per pixel, row-major [height, width, 3]; NaN where depth is unknown. */
  readonly coords: Float32Array;
  /** Camera-to-world. */
  readonly pose: Pose;
  readonly intrinsics: Intrinsics;
}

/**
 * A top-down plan for drawing: the world axes the map shows (the synthetic rooms are z-up, so
 * [0, 1]: x to the right, y up the page), the room's rectangle and furniture footprints in
 * those two coordinates (metres).
 */
export interface FloorPlan {
  readonly axes: readonly [number, number];
  /** [min0, min1, max0, max1] of the room. */
  readonly bounds: readonly [number, number, number, number];
  /** Footprints [min0, min1, max0, max1] of boxes standing in the room. */
  readonly boxes: readonly (readonly [number, number, number, number])[];
}

export interface SceneSource {
  readonly name: string;
  readonly intrinsics: Intrinsics;
  readonly count: Readonly<Record<Split, number>>;
  /** Frame `index` of a split; deterministic. */
  frame(split: Split, index: number): Promise<Frame>;
  /** Camera poses of a split, without rendering or reading images (trajectory plots). */
  poses(split: Split): Promise<readonly Pose[]>;
  /** A plan for top-down maps, when the source knows the room. */
  readonly plan?: FloorPlan;
}
