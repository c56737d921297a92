/**
 * The jet colormap the server draws every overlay and heatmap with (tensor-backend's `jet`,
 * OpenCV's COLORMAP_JET): each channel is a clamped tent, so the map is piecewise linear with
 * its corners at t = 0, 1/8, 3/8, 5/8, 7/8 and 1. A CSS gradient through these stops is the
 * colormap itself, not a look-alike (test/colour-scale.test.ts checks it against `jet`).
 */
export type Rgb = readonly [number, number, number];

export const JET_STOPS: readonly (readonly [t: number, rgb: Rgb])[] = [
  [0, [0, 0, 128]],
  [1 / 8, [0, 0, 255]],
  [3 / 8, [0, 255, 255]],
  [5 / 8, [255, 255, 0]],
  [7 / 8, [255, 0, 0]],
  [1, [128, 0, 0]],
];

/** Left (0, low) to right (1, high). */
export const JET_GRADIENT = `linear-gradient(to right, ${JET_STOPS.map(([t, [r, g, b]]) => `rgb(${r} ${g} ${b}) ${(t * 100).toFixed(1)}%`).join(', ')})`;
