/**
 * Scene backgrounds: two muted colours blended by a per-pixel weight pattern. Patterns with
 * edges (stripes, checker) and blobs make the background a distractor a model must learn to
 * ignore, while the muted palette keeps it from ever looking like an object colour.
 */
import type { Rand } from '@gradloc/tensor-backend';
import { contrastingMuted, mutedColour, type Rgb } from './palette.js';

/** The default backgrounds (every split's default scenes draw from these, in this order). */
export const BACKGROUNDS = ['solid', 'gradient', 'stripes', 'checker', 'blotches'] as const;
/**
 * Backgrounds beyond the muted palette, opted into by options (the generalising grounder's
 * training, its out-of-distribution split): `plain` one flat grey or muted colour up to a light
 * grey (0.8) the muted palette never reaches; `noise` per-pixel grain between two muted
 * colours; `texture` a photo-like fractal of three muted colours.
 */
export const EXTRA_BACKGROUNDS = ['plain', 'noise', 'texture'] as const;
export const ALL_BACKGROUNDS = [...BACKGROUNDS, ...EXTRA_BACKGROUNDS] as const;
export type BackgroundKind = (typeof ALL_BACKGROUNDS)[number];

/** Lightest grey of a plain background: below the dimmest jittered white object (0.94). */
const PLAIN_MAX = 0.8;

/** Blend weight of the second colour at pixel centre (x, y). */
type Pattern = (x: number, y: number) => number;

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);
const smooth = (t: number): number => t * t * (3 - 2 * t);

/** Pattern periods are drawn in pixels of a 96-pixel scene and scaled with the scene. */
function pattern(kind: (typeof BACKGROUNDS)[number], rand: Rand, width: number, height: number): Pattern {
  const scale = Math.min(width, height) / 96;
  const angle = Math.PI * rand();
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  switch (kind) {
    case 'solid':
      return () => 0;
    case 'gradient': {
      const half = Math.hypot(width, height) / 2;
      return (x, y) => clamp01(0.5 + ((x - width / 2) * c + (y - height / 2) * s) / (2 * half));
    }
    case 'stripes': {
      const k = (2 * Math.PI) / ((6 + 10 * rand()) * scale);
      const phase = 2 * Math.PI * rand();
      // A steepened sine: stripes with soft (anti-aliased) edges rather than a plain wave.
      return (x, y) => clamp01(0.5 + 1.5 * Math.sin((x * c + y * s) * k + phase));
    }
    case 'checker': {
      const cell = (6 + 8 * rand()) * scale;
      const ox = cell * rand();
      const oy = cell * rand();
      return (x, y) => (Math.floor((x * c + y * s + ox) / cell) + Math.floor((y * c - x * s + oy) / cell)) & 1;
    }
    case 'blotches': {
      // Value noise: random weights on a coarse lattice, smoothly interpolated.
      const cells = 3 + Math.floor(4 * rand());
      const n = cells + 1;
      const lattice = new Float64Array(n * n);
      for (let i = 0; i < lattice.length; i++) lattice[i] = rand();
      const fx = cells / width;
      const fy = cells / height;
      return (x, y) => {
        const gx = Math.min(x * fx, cells - 1e-9);
        const gy = Math.min(y * fy, cells - 1e-9);
        const i = Math.floor(gx);
        const j = Math.floor(gy);
        const tx = smooth(gx - i);
        const ty = smooth(gy - j);
        const top = lattice[j * n + i] * (1 - tx) + lattice[j * n + i + 1] * tx;
        const bottom = lattice[(j + 1) * n + i] * (1 - tx) + lattice[(j + 1) * n + i + 1] * tx;
        return top * (1 - ty) + bottom * ty;
      };
    }
  }
}

/** Fractal value noise in [0, 1]: octaves of smoothly interpolated random lattices. */
function fractal(rand: Rand, width: number, height: number, octaves: number): (x: number, y: number) => number {
  const layers = Array.from({ length: octaves }, (_, o) => {
    const cells = 2 << o;
    const n = cells + 1;
    const lattice = Float64Array.from({ length: n * n }, () => rand());
    return { cells, n, lattice, weight: 0.5 ** o };
  });
  const total = layers.reduce((a, l) => a + l.weight, 0);
  return (x, y) => {
    let v = 0;
    for (const { cells, n, lattice, weight } of layers) {
      const gx = Math.min((x / width) * cells, cells - 1e-9);
      const gy = Math.min((y / height) * cells, cells - 1e-9);
      const [i, j] = [Math.floor(gx), Math.floor(gy)];
      const [tx, ty] = [smooth(gx - i), smooth(gy - j)];
      const top = lattice[j * n + i] * (1 - tx) + lattice[j * n + i + 1] * tx;
      const bottom = lattice[(j + 1) * n + i] * (1 - tx) + lattice[(j + 1) * n + i + 1] * tx;
      v += weight * (top * (1 - ty) + bottom * ty);
    }
    return v / total;
  };
}

/** Per pixel colour of the extra backgrounds. */
function extraPainter(kind: (typeof EXTRA_BACKGROUNDS)[number], rand: Rand, width: number, height: number): (x: number, y: number) => Rgb {
  switch (kind) {
    case 'plain': {
      const grey = 0.2 + (PLAIN_MAX - 0.2) * rand();
      const c: Rgb = rand() < 0.6 ? [grey, grey, grey] : mutedColour(rand);
      return () => c;
    }
    case 'noise': {
      const [a, b] = [mutedColour(rand), mutedColour(rand)];
      return () => {
        const m = rand();
        return [a[0] + (b[0] - a[0]) * m, a[1] + (b[1] - a[1]) * m, a[2] + (b[2] - a[2]) * m];
      };
    }
    case 'texture': {
      const [a, b, c] = [mutedColour(rand), mutedColour(rand), mutedColour(rand)];
      const [f, g] = [fractal(rand, width, height, 5), fractal(rand, width, height, 3)];
      return (x, y) => {
        const m = f(x, y);
        const k = g(x, y);
        return [0, 1, 2].map((ch) => (a[ch] + (b[ch] - a[ch]) * m) * (1 - k) + c[ch] * k) as unknown as Rgb;
      };
    }
  }
}

/** Paints a background of `kind` into the CHW image `out` (3 x height x width). *//** Paints a background of `kind` into the CHW image `out` (3 x height x width). */
export function paintBackground(kind: BackgroundKind, rand: Rand, width: number, height: number, out: Float32Array): void {
  const plane = width * height;
  if (kind === 'plain' || kind === 'noise' || kind === 'texture') {
    const colour = extraPainter(kind, rand, width, height);
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        const c = colour(x + 0.5, y + 0.5);
        const p = y * width + x;
        out[p] = c[0];
        out[plane + p] = c[1];
        out[2 * plane + p] = c[2];
      }
    }
    return;
  }
  const a: Rgb = mutedColour(rand);
  const b: Rgb = contrastingMuted(a, rand);
  const weight = pattern(kind, rand, width, height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const m = weight(x + 0.5, y + 0.5);
      const p = y * width + x;
      out[p] = a[0] + (b[0] - a[0]) * m;
      out[plane + p] = a[1] + (b[1] - a[1]) * m;
      out[2 * plane + p] = a[2] + (b[2] - a[2]) * m;
    }
  }
}
