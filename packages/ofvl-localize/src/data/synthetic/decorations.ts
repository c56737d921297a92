/**
 * Small painted details stamped at random places on a surface: posters, irregular blobs,
 * stripe bands, checker patches, "text" lines, rings and speckles. They are what makes a
 * ~40 px patch unique: the noise base alone is too smooth to tell two spots apart.
 */
import type { Rand } from '@gradloc/tensor-backend';
import { mixInto, setInto, type Canvas, type Rgb } from './canvas.js';
import { fbm, hash2, valueNoise } from './noise.js';
import { between, pick, seedOf } from './draws.js';
import type { Palette } from './palette.js';

/** Stamps one decoration centred at (x, y) metres. */
export type Decoration = (canvas: Canvas, rand: Rand, palette: Palette, x: number, y: number) => void;

/** A framed picture whose inside is two-colour noise, a gradient with stripes, or circles. */
export const poster: Decoration = (canvas, rand, palette, x, y) => {
  const w = between(rand, 0.18, 0.7);
  const h = between(rand, 0.18, 0.6);
  const border = between(rand, 0.01, 0.03);
  const frame = rand() < 0.5 ? ([30, 28, 25] as Rgb) : ([235, 232, 225] as Rgb);
  const a = pick(rand, palette.accents);
  const b = pick(rand, palette.accents);
  const c = pick(rand, palette.walls);
  const seed = seedOf(rand);
  const style = Math.floor(rand() * 3);
  const freq = between(rand, 6, 18);
  const [x0, y0] = [x - w / 2, y - h / 2];
  canvas.paint(x0, y0, x0 + w, y0 + h, (px, py, out) => {
    const u = (px - x0) / w;
    const v = (py - y0) / h;
    if (px - x0 < border || x0 + w - px < border || py - y0 < border || y0 + h - py < border) {
      setInto(out, frame);
      return 1;
    }
    if (style === 0) mixInto(out, a, b, fbm(px * freq, py * freq, seed, 3));
    else if (style === 1) mixInto(out, a, Math.sin((u + v * 0.5) * freq * 2) > 0 ? b : c, v);
    else {
      const r = Math.hypot(u - 0.5, (v - 0.5) * (h / w));
      mixInto(out, a, b, 0.5 + 0.5 * Math.sin(r * freq * 4 + hash2(1, 2, seed) * 6));
    }
    return 1;
  });
};

/** An irregular soft-edged blob (a stain, a plant, a lamp shade), radius noise-modulated. */
export const blob: Decoration = (canvas, rand, palette, x, y) => {
  const r = between(rand, 0.03, 0.22);
  const aspect = between(rand, 0.6, 1.6);
  const c = pick(rand, palette.accents);
  const seed = seedOf(rand);
  const soft = between(rand, 0.05, 0.3);
  const rx = r * aspect;
  const ry = r / aspect;
  canvas.paint(x - rx * 1.4, y - ry * 1.4, x + rx * 1.4, y + ry * 1.4, (px, py, out) => {
    const dx = (px - x) / rx;
    const dy = (py - y) / ry;
    const rho = Math.hypot(dx, dy);
    // edge radius from noise on the unit circle (no seam where the angle wraps)
    const edge = rho > 0 ? 1 + 0.35 * (valueNoise(4 + (1.6 * dx) / rho, 4 + (1.6 * dy) / rho, seed) - 0.5) : 1;
    const t = (edge - rho) / soft;
    if (t <= 0) return 0;
    setInto(out, c, 0.85 + 0.3 * valueNoise(px * 40, py * 40, seed));
    return Math.min(1, t);
  });
};

/** A band of straight stripes at a random angle. */
export const stripes: Decoration = (canvas, rand, palette, x, y) => {
  const w = between(rand, 0.1, 0.6);
  const h = between(rand, 0.05, 0.4);
  const period = between(rand, 0.015, 0.08);
  const angle = rand() * Math.PI;
  const [ca, sa] = [Math.cos(angle), Math.sin(angle)];
  const a = pick(rand, palette.accents);
  const b = rand() < 0.5 ? pick(rand, palette.accents) : pick(rand, palette.walls);
  canvas.paint(x - w / 2, y - h / 2, x + w / 2, y + h / 2, (px, py, out) => {
    const s = ((px * ca + py * sa) / period) % 1;
    setInto(out, (s < 0 ? s + 1 : s) < 0.5 ? a : b);
    return 1;
  });
};

/** A rotated checkerboard patch. */
export const checker: Decoration = (canvas, rand, palette, x, y) => {
  const size = between(rand, 0.08, 0.35);
  const cell = between(rand, 0.015, 0.06);
  const angle = rand() * Math.PI;
  const [ca, sa] = [Math.cos(angle), Math.sin(angle)];
  const a = pick(rand, palette.accents);
  const b: Rgb = rand() < 0.5 ? [240, 240, 235] : [20, 20, 24];
  canvas.paint(x - size / 2, y - size / 2, x + size / 2, y + size / 2, (px, py, out) => {
    const u = Math.floor(((px - x) * ca + (py - y) * sa) / cell);
    const v = Math.floor((-(px - x) * sa + (py - y) * ca) / cell);
    setInto(out, (u + v) & 1 ? a : b);
    return 1;
  });
};

/** Rows of dashes of random lengths, like lines of text on a sheet of paper. */
export const textLines: Decoration = (canvas, rand, palette, x, y) => {
  const w = between(rand, 0.12, 0.45);
  const h = between(rand, 0.08, 0.35);
  const line = between(rand, 0.012, 0.03);
  const paper: Rgb = rand() < 0.7 ? [238, 236, 228] : pick(rand, palette.walls);
  const ink: Rgb = rand() < 0.6 ? [25, 25, 35] : pick(rand, palette.accents);
  const seed = seedOf(rand);
  const margin = 0.015;
  const [x0, y0] = [x - w / 2, y - h / 2];
  canvas.paint(x0, y0, x0 + w, y0 + h, (px, py, out) => {
    const u = px - x0 - margin;
    const v = py - y0 - margin;
    const row = Math.floor(v / line);
    const inRow = v / line - row;
    const word = Math.floor(u / (line * 1.7) + hash2(row, 0, seed) * 3);
    const inked = u > 0 && u < w - 2 * margin && v > 0 && v < h - 2 * margin && inRow > 0.3 && inRow < 0.75 && hash2(word, row, seed) < 0.8;
    setInto(out, inked ? ink : paper);
    return 1;
  });
};

/** Concentric rings (a clock, a plate, a target). */
export const rings: Decoration = (canvas, rand, palette, x, y) => {
  const r = between(rand, 0.04, 0.2);
  const n = 2 + Math.floor(rand() * 4);
  const cols = [pick(rand, palette.accents), pick(rand, palette.accents), [245, 245, 240] as Rgb];
  canvas.paint(x - r, y - r, x + r, y + r, (px, py, out) => {
    const rho = Math.hypot(px - x, py - y) / r;
    if (rho > 1) return 0;
    setInto(out, cols[Math.floor(rho * n) % cols.length]);
    return Math.min(1, (1 - rho) * r * 200);
  });
};

/** A tiny dot: nail holes, scuffs, dust; fine detail between the bigger stamps. */
export const speckle: Decoration = (canvas, rand, palette, x, y) => {
  const r = between(rand, 0.004, 0.018);
  const c: Rgb = rand() < 0.5 ? pick(rand, palette.accents) : rand() < 0.5 ? [20, 20, 20] : [250, 250, 250];
  canvas.paint(x - r, y - r, x + r, y + r, (px, py, out) => {
    setInto(out, c);
    return Math.hypot(px - x, py - y) < r ? 0.8 : 0;
  });
};

export const DECORATIONS: readonly Decoration[] = [poster, blob, stripes, checker, textLines, rings];

/**
 * Stamps about `perM2` decorations of `kinds` per square metre at uniform positions, plus
 * `specklesPerM2` speckles, over the surface (or only its [y0, y1] rows).
 */
export function scatter(canvas: Canvas, rand: Rand, palette: Palette, perM2: number, specklesPerM2: number, kinds: readonly Decoration[] = DECORATIONS, y0 = 0, y1 = canvas.heightM): void {
  const area = canvas.widthM * (y1 - y0);
  const n = Math.round(area * perM2 * between(rand, 0.8, 1.2));
  for (let i = 0; i < n; i++) pick(rand, kinds)(canvas, rand, palette, rand() * canvas.widthM, y0 + rand() * (y1 - y0));
  const m = Math.round(area * specklesPerM2);
  for (let i = 0; i < m; i++) speckle(canvas, rand, palette, rand() * canvas.widthM, y0 + rand() * (y1 - y0));
}
