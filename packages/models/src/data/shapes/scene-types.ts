/** The data types of `shapes` scenes (see scene.ts for how they are generated). */
import type { BackgroundKind } from './backgrounds.js';
import type { ColourName, Rgb } from './palette.js';
import type { ShapeName, ShapePose } from './shape-geometry.js';

/** [x0, y0, x1, y1] in pixels; x1 and y1 are exclusive, so a box of one pixel is [x, y, x+1, y+1]. */
export type SceneBox = readonly [number, number, number, number];

export interface SceneObject {
  readonly shape: ShapeName;
  readonly colour: ColourName;
  /** Extent of the object's visible pixels (visible coverage >= 0.5), occluders and borders excluded. */
  readonly box: SceneBox;
  /** Visible area / full area; never below the scene's `minVisible`. */
  readonly visibleFraction: number;
  /** Visible area in pixels (sum of the visible coverage). */
  readonly area: number;
  /** The geometry it was drawn with: masks can be re-rendered from it (see visibleMasks). */
  readonly pose: ShapePose;
  /** The jittered fill colour before shading and pixel noise. */
  readonly fill: Rgb;
  /** Referring phrases: "a red circle", "the red circle", "red circle". */
  readonly phrases: readonly string[];
}

/** Everything about a scene except its pixels (what a batch keeps per image). */
export interface SceneAnnotation {
  readonly seed: number;
  readonly width: number;
  readonly height: number;
  readonly background: BackgroundKind;
  /** In drawing order: later objects are drawn on top of (and may occlude) earlier ones. */
  readonly objects: readonly SceneObject[];
  /** Index into `objects` of the object with the largest visible area (by a clear margin). */
  readonly largest: number;
  /** The canonical caption: objects largest first, e.g. "a red circle and two blue stars". */
  readonly caption: string;
  /** `caption` first, then other orderings of the same objects. */
  readonly captions: readonly string[];
}

export interface Scene extends SceneAnnotation {
  /** CHW float32, values in [0, 1]: red plane, green plane, blue plane, each row-major. */
  readonly image: Float32Array;
}
