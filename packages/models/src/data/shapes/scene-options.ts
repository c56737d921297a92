/** Options of the `shapes` generator, their defaults and validation. */
import { GradlocError } from '@gradloc/tensor-backend';
import { ALL_BACKGROUNDS, BACKGROUNDS, type BackgroundKind } from './backgrounds.js';
import { MAX_COUNT } from './captions.js';
import { COLOURS, type ColourName } from './palette.js';
import { SHAPES, type ShapeName } from './shape-geometry.js';

export interface ShapesOptions {
  /** Width and height in pixels (default 96). */
  readonly size?: number;
  /**
   * Object count is uniform in [minObjects, maxObjects] (defaults 1 and 4; at most MAX_COUNT so
   * captions can count them). A scene has fewer only if the objects cannot be placed visibly.
   */
  readonly minObjects?: number;
  readonly maxObjects?: number;
  /**
   * Range of object size, as the diameter of a disk of equal area, in pixels of a 96-pixel
   * scene (scaled with `size`). Defaults 12 and 32: bounding extents then run ~12 to ~48 px.
   */
  readonly minObjectSize?: number;
  readonly maxObjectSize?: number;
  /** Smallest visible fraction, in (0, 1], any object may keep after occlusion (default 0.5). */
  readonly minVisible?: number;
  /** The largest object's visible area is at least this times the runner-up's (default 1.3). */
  readonly largestMargin?: number;
  /** Largest standard deviation of the per-pixel noise; each scene draws its own below it (default 0.04). */
  readonly noise?: number;
  /** Allowed backgrounds / shapes / colours (defaults: all), e.g. to hold out combinations. */
  readonly backgrounds?: readonly BackgroundKind[];
  readonly shapes?: readonly ShapeName[];
  readonly colours?: readonly ColourName[];
}

export type ResolvedShapesOptions = Required<ShapesOptions>;

export const DEFAULT_SHAPES_OPTIONS: ResolvedShapesOptions = {
  size: 96,
  minObjects: 1,
  maxObjects: 4,
  minObjectSize: 12,
  maxObjectSize: 32,
  minVisible: 0.5,
  largestMargin: 1.3,
  noise: 0.04,
  backgrounds: BACKGROUNDS,
  shapes: SHAPES,
  colours: COLOURS,
};

const bad = (message: string): never => {
  throw new GradlocError('BAD_INPUT', `shapes: ${message}`);
};

export function resolveShapesOptions(opts: ShapesOptions = {}): ResolvedShapesOptions {
  const o: ResolvedShapesOptions = { ...DEFAULT_SHAPES_OPTIONS };
  for (const [k, v] of Object.entries(opts)) {
    // A misspelt option would otherwise be ignored silently.
    if (!(k in DEFAULT_SHAPES_OPTIONS)) bad(`unknown option '${k}'`);
    if (v !== undefined) (o as Record<string, unknown>)[k] = v;
  }
  if (!Number.isInteger(o.size) || o.size < 16) bad(`size must be an integer >= 16, got ${o.size}`);
  if (!Number.isInteger(o.minObjects) || o.minObjects < 1 || !Number.isInteger(o.maxObjects) || o.maxObjects < o.minObjects || o.maxObjects > MAX_COUNT) {
    bad(`need integers 1 <= minObjects <= maxObjects <= ${MAX_COUNT}, got ${o.minObjects} and ${o.maxObjects}`);
  }
  if (!(o.minObjectSize > 0 && o.maxObjectSize >= o.minObjectSize)) bad('need 0 < minObjectSize <= maxObjectSize');
  if (!(o.minVisible > 0 && o.minVisible <= 1)) bad('minVisible must be in (0, 1]');
  if (!(o.largestMargin >= 1)) bad('largestMargin must be >= 1');
  if (!(o.noise >= 0)) bad('noise must be >= 0');
  const known = <T extends string>(name: string, values: readonly T[], all: readonly T[]): void => {
    if (values.length === 0) bad(`${name} must not be empty`);
    for (const v of values) if (!all.includes(v)) bad(`unknown ${name} entry '${v}' (one of ${all.join(', ')})`);
  };
  known('backgrounds', o.backgrounds, ALL_BACKGROUNDS);
  known('shapes', o.shapes, SHAPES);
  known('colours', o.colours, COLOURS);
  return o;
}
