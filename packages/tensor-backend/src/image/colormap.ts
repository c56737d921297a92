/**
 * Colormaps for heatmaps: t in [0, 1] -> sRGB bytes. t outside [0, 1] is clamped and NaN
 * reads as 0, so a stray value never throws halfway through an image.
 *
 * - jet: the classic piecewise-linear rainbow (MATLAB's, matplotlib's and, to rounding,
 *   OpenCV's COLORMAP_JET that pytorch-grad-cam uses): dark blue -> cyan -> yellow -> dark red.
 * - turbo: Google's published polynomial approximation of Turbo (Mikhailov 2019; degree-5
 *   polynomial per channel, the coefficients of the "GLSL approximation" by Ruofei Du). It is
 *   an approximation: against Turbo's 256-entry table it is off by up to 32/255 at t = 0
 *   (the ends are brighter), well under 16/255 through the middle.
 * - viridis: 17 control points of matplotlib's viridis (t = k/16) joined by Catmull-Rom cubics
 *   into a 256-entry table. Against matplotlib's 256-entry table the error is at most 3/255
 *   per channel (mean 0.13/255); plain linear interpolation between the same points is off by
 *   up to 6/255 where the curve bends (green-yellow), which is why the cubic is used.
 */

export type Rgb = readonly [number, number, number];

/** A colormap: t in [0, 1] -> [r, g, b] bytes. */
export type Colormap = (t: number) => Rgb;

export const COLORMAP_NAMES = ['turbo', 'jet', 'viridis'] as const;
export type ColormapName = (typeof COLORMAP_NAMES)[number];

const unit = (t: number): number => (t > 0 ? (t < 1 ? t : 1) : 0);
const byte = (v: number): number => Math.round(unit(v) * 255);

/** Jet: each channel a clamped tent, peaking at t = 3/4 (red), 1/2 (green), 1/4 (blue). */
export function jet(t: number): Rgb {
  const x = unit(t) * 4;
  return [byte(1.5 - Math.abs(x - 3)), byte(1.5 - Math.abs(x - 2)), byte(1.5 - Math.abs(x - 1))];
}

// Turbo's polynomial coefficients, c0 + c1 t + ... + c5 t^5 per channel (Google, Apache-2.0).
const TURBO_R = [0.13572138, 4.6153926, -42.66032258, 132.13108234, -152.94239396, 59.28637943];
const TURBO_G = [0.09140261, 2.19418839, 4.84296658, -14.18503333, 4.27729857, 2.82956604];
const TURBO_B = [0.1066733, 12.64194608, -60.58204836, 110.36276771, -89.90310912, 27.34824973];

/** Horner's rule: the polynomial overshoots [0, 1] slightly near the ends, byte() clamps it. */
const poly = (c: readonly number[], x: number): number => c.reduceRight((acc, k) => acc * x + k, 0);

export function turbo(t: number): Rgb {
  const x = unit(t);
  return [byte(poly(TURBO_R, x)), byte(poly(TURBO_G, x)), byte(poly(TURBO_B, x))];
}

/**
 * matplotlib's viridis sampled at t = k/16, k = 0..16 (3 decimals). The colormap is CC0; these
 * are 17 of its colours, the rest of the table is interpolated.
 */
const VIRIDIS_POINTS: readonly Rgb[] = [
  [0.267, 0.005, 0.329],
  [0.282, 0.095, 0.417],
  [0.279, 0.175, 0.483],
  [0.259, 0.251, 0.524],
  [0.23, 0.321, 0.545],
  [0.2, 0.386, 0.555],
  [0.173, 0.447, 0.558],
  [0.15, 0.506, 0.557],
  [0.128, 0.565, 0.551],
  [0.12, 0.624, 0.534],
  [0.155, 0.682, 0.503],
  [0.241, 0.737, 0.455],
  [0.363, 0.787, 0.387],
  [0.508, 0.829, 0.299],
  [0.669, 0.862, 0.195],
  [0.836, 0.886, 0.102],
  [0.993, 0.906, 0.144],
];

/**
 * Uniform Catmull-Rom through the control points (it passes through every point, so the ends
 * are exact); the missing neighbour at either end is extrapolated linearly.
 */
function catmullRom(points: readonly Rgb[], t: number): Rgb {
  const n = points.length - 1;
  const s = unit(t) * n;
  const k = Math.min(n - 1, Math.floor(s));
  const f = s - k;
  const channel = (c: number): number => {
    const p1 = points[k][c];
    const p2 = points[k + 1][c];
    const p0 = k > 0 ? points[k - 1][c] : 2 * p1 - p2;
    const p3 = k + 2 <= n ? points[k + 2][c] : 2 * p2 - p1;
    return 0.5 * (2 * p1 + (p2 - p0) * f + (2 * p0 - 5 * p1 + 4 * p2 - p3) * f * f + (3 * p1 - p0 - 3 * p2 + p3) * f * f * f);
  };
  return [byte(channel(0)), byte(channel(1)), byte(channel(2))];
}

/** 256 RGB entries of a colormap at t = i / 255. */
function tableOf(map: Colormap): Uint8Array {
  const out = new Uint8Array(256 * 3);
  for (let i = 0; i < 256; i++) out.set(map(i / 255), i * 3);
  return out;
}

const VIRIDIS_TABLE = tableOf((t) => catmullRom(VIRIDIS_POINTS, t));

/** Viridis from its 256-entry table (nearest entry). */
export function viridis(t: number): Rgb {
  const i = Math.round(unit(t) * 255) * 3;
  return [VIRIDIS_TABLE[i], VIRIDIS_TABLE[i + 1], VIRIDIS_TABLE[i + 2]];
}

export const COLORMAPS: Readonly<Record<ColormapName, Colormap>> = { turbo, jet, viridis };

const TABLES = new Map<ColormapName, Uint8Array>();

/**
 * A colormap's 256-entry lookup table [256 * 3] (entry i = colormap(i / 255)), what heatmaps
 * index with the map quantised to a byte, as OpenCV's applyColorMap does. Cached; do not modify.
 */
export function colormapTable(name: ColormapName): Uint8Array {
  let table = TABLES.get(name);
  if (!table) TABLES.set(name, (table = name === 'viridis' ? VIRIDIS_TABLE : tableOf(COLORMAPS[name])));
  return table;
}

export function isColormapName(name: string): name is ColormapName {
  return (COLORMAP_NAMES as readonly string[]).includes(name);
}
