/**
 * Object colours and the muted background colours of `shapes` scenes. Object colours are
 * saturated (or, for white, bright); background colours are greyish and never brighter than
 * BACKGROUND_MAX, so no background pixel can pass for an object colour and colour labels
 * stay honest.
 */
import type { Rand } from '@gradloc/tensor-backend';

export const COLOURS = ['red', 'green', 'blue', 'yellow', 'purple', 'orange', 'white'] as const;
export type ColourName = (typeof COLOURS)[number];

/** An RGB triple in [0, 1]. */
export type Rgb = readonly [number, number, number];

/** Nominal colour of each name; objects get a jittered copy (see OBJECT_JITTER). */
export const COLOUR_RGB: Readonly<Record<ColourName, Rgb>> = {
  red: [0.86, 0.12, 0.12],
  green: [0.13, 0.7, 0.2],
  blue: [0.15, 0.3, 0.92],
  yellow: [0.95, 0.88, 0.12],
  purple: [0.58, 0.18, 0.78],
  orange: [0.98, 0.52, 0.08],
  white: [0.96, 0.96, 0.96],
};

/**
 * Per-channel uniform jitter of an object's colour. Nearest nominal pair (red/orange) is 0.4
 * apart in green, so +-0.06 plus shading keeps every colour closer to its own name.
 */
export const OBJECT_JITTER = 0.06;

/** Brightest channel value any background colour may have (white objects stay above 0.8). */
export const BACKGROUND_MAX = 0.62;
const BACKGROUND_MIN = 0.08;
/** Largest per-channel tint off grey: keeps backgrounds far less saturated than any object. */
const BACKGROUND_TINT = 0.07;

const clampBackground = (v: number): number => Math.min(BACKGROUND_MAX, Math.max(BACKGROUND_MIN, v));

/** A muted colour: a grey level with a small tint, so textures differ in hue too. */
export function mutedColour(rand: Rand): Rgb {
  const grey = 0.15 + 0.4 * rand();
  const tint = (): number => clampBackground(grey + BACKGROUND_TINT * (2 * rand() - 1));
  return [tint(), tint(), tint()];
}

/** A second muted colour with visible but limited contrast to `base` (for two-tone textures). */
export function contrastingMuted(base: Rgb, rand: Rand): Rgb {
  const delta = (0.07 + 0.1 * rand()) * (rand() < 0.5 ? -1 : 1);
  // Flip the direction when the shift would clip, so the contrast is never lost to clamping.
  const mean = (base[0] + base[1] + base[2]) / 3;
  const d = mean + delta > BACKGROUND_MAX || mean + delta < BACKGROUND_MIN ? -delta : delta;
  return [clampBackground(base[0] + d), clampBackground(base[1] + d), clampBackground(base[2] + d)];
}

/** A jittered copy of a nominal colour, clamped to [0, 1]. */
export function jitteredColour(colour: ColourName, rand: Rand): Rgb {
  const [r, g, b] = COLOUR_RGB[colour];
  const j = (v: number): number => Math.min(1, Math.max(0, v + OBJECT_JITTER * (2 * rand() - 1)));
  return [j(r), j(g), j(b)];
}
