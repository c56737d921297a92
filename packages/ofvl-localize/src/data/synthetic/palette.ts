/**
 * Colour schemes. Each room gets its own hue family (golden-ratio steps around the hue circle),
 * so the rooms are told apart by colour as much as by layout.
 */
import type { Rand } from '@gradloc/tensor-backend';
import type { Rgb } from './canvas.js';
import { between } from './draws.js';

/** HSV (all in [0, 1]) to 0..255 RGB. */
export function hsv(h: number, s: number, v: number): Rgb {
  const hh = ((h % 1) + 1) % 1 * 6;
  const i = Math.floor(hh);
  const f = hh - i;
  const p = v * (1 - s);
  const q = v * (1 - s * f);
  const t = v * (1 - s * (1 - f));
  const rgb: [number, number, number][] = [[v, t, p], [q, v, p], [p, v, t], [p, q, v], [t, p, v], [v, p, q]];
  const [r, g, b] = rgb[i % 6];
  return [r * 255, g * 255, b * 255];
}

export interface Palette {
  /** Main hue of the room in [0, 1). */
  readonly hue: number;
  /** Wall colours, blended by low-frequency noise. */
  readonly walls: readonly Rgb[];
  /** Strong colours for posters, blobs, stripes, books. */
  readonly accents: readonly Rgb[];
  /** Floor (wood or tile) colours. */
  readonly floor: readonly Rgb[];
  /** Light, low-saturation ceiling colours. */
  readonly ceiling: readonly Rgb[];
  /** Furniture wood and paint colours. */
  readonly furniture: readonly Rgb[];
}

export function roomPalette(roomIndex: number, rand: Rand): Palette {
  const hue = (0.11 + roomIndex * 0.618034 + between(rand, -0.04, 0.04)) % 1;
  const near = (spread: number): number => hue + between(rand, -spread, spread);
  const walls = [0, 1, 2].map(() => hsv(near(0.06), between(rand, 0.2, 0.55), between(rand, 0.55, 0.9)));
  const accents = [0, 1, 2, 3, 4, 5].map((i) => hsv(i < 3 ? near(0.1) : hue + 0.5 + between(rand, -0.15, 0.15), between(rand, 0.5, 0.95), between(rand, 0.3, 0.95)));
  const floorHue = rand() < 0.5 ? between(rand, 0.05, 0.11) : near(0.08);
  const floor = [0, 1, 2].map(() => hsv(floorHue + between(rand, -0.02, 0.02), between(rand, 0.3, 0.7), between(rand, 0.3, 0.7)));
  const ceiling = [0, 1].map(() => hsv(near(0.1), between(rand, 0.03, 0.15), between(rand, 0.8, 0.95)));
  const furniture = [0, 1, 2, 3].map((i) => hsv(i < 2 ? between(rand, 0.04, 0.12) : near(0.3) + 0.33, between(rand, 0.25, 0.75), between(rand, 0.25, 0.85)));
  return { hue, walls, accents, floor, ceiling, furniture };
}
