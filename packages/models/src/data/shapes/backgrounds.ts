/**
 * Scene backgrounds: two muted colours blended by a per-pixel weight pattern. Patterns with
 * edges (stripes, checker) and blobs make the background a distractor a model must learn to
 * ignore, while the muted palette keeps it from ever looking like an object colour.
 */
import type { Rand } from '@gradloc/tensor-backend';
import { contrastingMuted, mutedColour, type Rgb } from './palette.js';

export const BACKGROUNDS = ['solid', 'gradient', 'stripes', 'checker', 'blotches'] as const;
export type BackgroundKind = (typeof BACKGROUNDS)[number];

/** Blend weight of the second colour at pixel centre (x, y). */
type Pattern = (x: number, y: number) => number;

const clamp01 = (v: number): number => (v < 0 ? 0 : v > 1 ? 1 : v);
const smooth = (t: number): number => t * t * (3 - 2 * t);

/** Pattern periods are drawn in pixels of a 96-pixel scene and scaled with the scene. */
function pattern(kind: BackgroundKind, rand: Rand, width: number, height: number): Pattern {
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

/** Paints a background of `kind` into the CHW image `out` (3 x height x width). */
export function paintBackground(kind: BackgroundKind, rand: Rand, width: number, height: number, out: Float32Array): void {
  const a: Rgb = mutedColour(rand);
  const b: Rgb = contrastingMuted(a, rand);
  const weight = pattern(kind, rand, width, height);
  const plane = width * height;
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
