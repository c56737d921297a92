/**
 * What each surface of a room looks like: walls (multi-colour noise, skirting, many
 * decorations), floors (planks or tiles, rugs), ceilings (light panels) and furniture faces
 * (wood or paint; books on shelf fronts, doors on cabinets, papers on table tops). Every recipe
 * is a base layer that is never periodic plus stamps at random places.
 */
import type { Rand } from '@gradloc/tensor-backend';
import { Canvas, mixInto, setInto, type Rgb, type Texture } from './canvas.js';
import { blob, checker, rings, scatter, stripes, textLines } from './decorations.js';
import { fbm, hash2, valueNoise } from './noise.js';
import { between, pick, seedOf } from './draws.js';
import type { Palette } from './palette.js';

/** Texels per metre: 1.25 cm texels; at the default camera a pixel covers ~1.5 cm at 2 m. */
export const TEXELS_PER_METRE = 80;

const clamp01 = (x: number): number => (x < 0 ? 0 : x > 1 ? 1 : x);

/** Low-frequency blend of three colours plus a fine grain, the base of walls and ceilings. */
function noiseBase(canvas: Canvas, rand: Rand, colours: readonly Rgb[], scale: number, grain: number): void {
  const [s1, s2, s3] = [seedOf(rand), seedOf(rand), seedOf(rand)];
  const [a, b, c] = [colours[0], colours[1 % colours.length], colours[2 % colours.length]];
  canvas.fill((x, y, out) => {
    const n1 = fbm(x * scale, y * scale, s1, 5);
    const n2 = fbm(x * scale * 2.7 + 11, y * scale * 2.7, s2, 4);
    mixInto(out, a, b, clamp01((n1 - 0.3) * 2.5));
    const k = clamp01((n2 - 0.5) * 4);
    out[0] += (c[0] - out[0]) * k;
    out[1] += (c[1] - out[1]) * k;
    out[2] += (c[2] - out[2]) * k;
    const g = 1 - grain + 2 * grain * valueNoise(x * 55, y * 55, s3);
    out[0] *= g;
    out[1] *= g;
    out[2] *= g;
    return 1;
  });
}

/** Wood: a colour with grain stretched along the surface's width. */
function woodShader(colour: Rgb, seed: number, along: 'x' | 'y') {
  const dark: Rgb = [colour[0] * 0.6, colour[1] * 0.55, colour[2] * 0.5];
  return (x: number, y: number, out: Float64Array): number => {
    const [u, v] = along === 'x' ? [x, y] : [y, x];
    const g = fbm(u * 2, v * 30, seed, 4);
    mixInto(out, colour, dark, clamp01((g - 0.35) * 2.2 + 0.3 * Math.sin(v * 90 + g * 8)));
    return 1;
  };
}

export function wallTexture(widthM: number, heightM: number, rand: Rand, palette: Palette): Texture {
  const canvas = new Canvas(widthM, heightM, TEXELS_PER_METRE);
  noiseBase(canvas, rand, palette.walls, between(rand, 0.8, 1.6), 0.06);
  if (rand() < 0.5) {
    // wainscot: the lower part in another colour with vertical panels, a rail above
    const top = heightM - between(rand, 0.8, 1.0);
    const colour = pick(rand, palette.furniture);
    const panel = between(rand, 0.3, 0.6);
    const seed = seedOf(rand);
    canvas.paint(0, top, widthM, heightM, (x, y, out) => {
      const edge = Math.abs(((x / panel) % 1) - 0.5) > 0.47 || y - top < 0.03;
      setInto(out, colour, (edge ? 0.6 : 1) * (0.9 + 0.2 * valueNoise(x * 30, y * 30, seed)));
      return 1;
    });
  }
  const skirting = pick(rand, palette.furniture);
  canvas.paint(0, heightM - 0.09, widthM, heightM, (_x, y, out) => {
    setInto(out, skirting, heightM - y > 0.075 ? 0.7 : 1);
    return 1;
  });
  scatter(canvas, rand, palette, 5, 40);
  return canvas.toTexture();
}

export function floorTexture(widthM: number, depthM: number, rand: Rand, palette: Palette): Texture {
  const canvas = new Canvas(widthM, depthM, TEXELS_PER_METRE);
  const seed = seedOf(rand);
  if (rand() < 0.6) {
    // planks: every plank its own colour and grain offset, staggered joints
    const width = between(rand, 0.1, 0.2);
    const length = between(rand, 0.8, 1.6);
    const cols = palette.floor;
    canvas.fill((x, y, out) => {
      const row = Math.floor(y / width);
      const shifted = x + hash2(row, 7, seed) * length;
      const plank = Math.floor(shifted / length);
      const h = hash2(plank, row, seed);
      const c = cols[Math.floor(h * cols.length)];
      const g = fbm(shifted * 1.5 + h * 50, y * 40, seed, 4);
      const joint = y / width - row < 0.06 || shifted / length - plank < 0.005;
      setInto(out, c, joint ? 0.45 : 0.75 + 0.5 * g);
      return 1;
    });
  } else {
    // tiles: per-tile colour jitter and a mottled glaze, grout lines
    const size = between(rand, 0.25, 0.5);
    const [a, b] = [pick(rand, palette.floor), pick(rand, palette.ceiling)];
    canvas.fill((x, y, out) => {
      const [i, j] = [Math.floor(x / size), Math.floor(y / size)];
      const grout = x / size - i < 0.03 || y / size - j < 0.03;
      if (grout) {
        setInto(out, [90, 88, 85]);
        return 1;
      }
      mixInto(out, a, b, clamp01(hash2(i, j, seed) * 0.7 + 0.5 * (fbm(x * 8, y * 8, seed + 1, 3) - 0.5)));
      return 1;
    });
  }
  for (let r = Math.floor(rand() * 3); r > 0; r--) rug(canvas, rand, palette);
  scatter(canvas, rand, palette, 2, 40, [blob, textLines, rings, checker]);
  return canvas.toTexture();
}

/** A rectangular rug: a border band and a two-colour noise or stripe field. */
function rug(canvas: Canvas, rand: Rand, palette: Palette): void {
  const w = between(rand, 0.8, Math.min(2.2, canvas.widthM * 0.6));
  const h = between(rand, 0.6, Math.min(1.6, canvas.heightM * 0.6));
  const x0 = rand() * (canvas.widthM - w);
  const y0 = rand() * (canvas.heightM - h);
  const [a, b, edge] = [pick(rand, palette.accents), pick(rand, palette.accents), pick(rand, palette.walls)];
  const seed = seedOf(rand);
  const striped = rand() < 0.5;
  canvas.paint(x0, y0, x0 + w, y0 + h, (x, y, out) => {
    const d = Math.min(x - x0, y - y0, x0 + w - x, y0 + h - y);
    if (d < 0.06) setInto(out, edge, d < 0.02 ? 0.7 : 1);
    else if (striped) setInto(out, Math.sin((x - x0) * 40 + 3 * fbm(x * 3, y * 3, seed, 2)) > 0 ? a : b);
    else mixInto(out, a, b, fbm(x * 9, y * 9, seed, 3));
    const fibre = 0.9 + 0.2 * valueNoise(x * 120, y * 120, seed + 5);
    out[0] *= fibre;
    out[1] *= fibre;
    out[2] *= fibre;
    return 1;
  });
}

export function ceilingTexture(widthM: number, depthM: number, rand: Rand, palette: Palette): Texture {
  const canvas = new Canvas(widthM, depthM, TEXELS_PER_METRE);
  noiseBase(canvas, rand, [...palette.ceiling, palette.walls[0]], 1.5, 0.05);
  for (let n = 1 + Math.floor(rand() * 3); n > 0; n--) {
    const w = between(rand, 0.3, 1.2);
    const h = between(rand, 0.3, 0.6);
    const x0 = rand() * (widthM - w);
    const y0 = rand() * (depthM - h);
    canvas.paint(x0, y0, x0 + w, y0 + h, (x, y, out) => {
      const d = Math.min(x - x0, y - y0, x0 + w - x, y0 + h - y);
      setInto(out, d < 0.03 ? [150, 150, 150] : [255, 253, 240]);
      return 1;
    });
  }
  scatter(canvas, rand, palette, 2, 25, [blob, stripes, rings, checker]);
  return canvas.toTexture();
}

/** How a piece of furniture is finished, chosen once per item so its faces match. */
export interface Finish {
  readonly colour: Rgb;
  readonly wood: boolean;
  readonly seed: number;
}

export function furnitureFinish(rand: Rand, palette: Palette): Finish {
  return { colour: pick(rand, palette.furniture), wood: rand() < 0.6, seed: seedOf(rand) };
}

function finishBase(canvas: Canvas, finish: Finish, along: 'x' | 'y'): void {
  if (finish.wood) {
    canvas.fill(woodShader(finish.colour, finish.seed, along));
    return;
  }
  canvas.fill((x, y, out) => {
    setInto(out, finish.colour, 0.85 + 0.3 * fbm(x * 6, y * 6, finish.seed, 4));
    return 1;
  });
}

/** What is painted over a face's finish. */
export type FaceDetail = 'plain' | 'books' | 'doors' | 'top';

export function furnitureTexture(widthM: number, heightM: number, detail: FaceDetail, finish: Finish, rand: Rand, palette: Palette): Texture {
  const canvas = new Canvas(widthM, heightM, TEXELS_PER_METRE);
  finishBase(canvas, finish, detail === 'top' ? (widthM > heightM ? 'x' : 'y') : 'x');
  if (detail === 'books') books(canvas, rand, palette, finish);
  else if (detail === 'doors') doors(canvas, rand, finish);
  if (detail === 'top') scatter(canvas, rand, palette, 8, 30, [textLines, blob, rings, checker]);
  else scatter(canvas, rand, palette, 2, 30);
  return canvas.toTexture();
}

/** Shelf boards every 0.3-0.45 m and rows of books of random widths, heights and colours. */
function books(canvas: Canvas, rand: Rand, palette: Palette, finish: Finish): void {
  const board = 0.025;
  let top = board;
  while (top < canvas.heightM - 0.2) {
    const rowH = between(rand, 0.28, 0.45);
    const bottom = Math.min(canvas.heightM - board, top + rowH);
    const shelfBack: Rgb = [finish.colour[0] * 0.35, finish.colour[1] * 0.35, finish.colour[2] * 0.35];
    canvas.paint(0.03, top, canvas.widthM - 0.03, bottom, (_x, _y, out) => {
      setInto(out, shelfBack);
      return 1;
    });
    let x = 0.03 + rand() * 0.1;
    while (x < canvas.widthM - 0.06) {
      const w = between(rand, 0.015, 0.06);
      if (rand() < 0.12) {
        x += between(rand, 0.05, 0.2); // a gap
        continue;
      }
      const h = (bottom - top) * between(rand, 0.55, 0.95);
      const c = pick(rand, palette.accents);
      const band = between(rand, 0.2, 0.8);
      const light = rand() < 0.5;
      const x0 = x;
      canvas.paint(x0, bottom - h, Math.min(x0 + w, canvas.widthM - 0.03), bottom, (px, py, out) => {
        const v = (bottom - py) / h;
        setInto(out, c, Math.abs(v - band) < 0.05 ? (light ? 1.5 : 0.5) : px - x0 < 0.003 ? 0.6 : 1);
        return 1;
      });
      x += w + 0.002;
    }
    top = bottom + board;
  }
}

/** One to three door or drawer panels with grooves and knobs. */
function doors(canvas: Canvas, rand: Rand, finish: Finish): void {
  const n = 1 + Math.floor(rand() * Math.min(3, Math.max(1, canvas.widthM / 0.4)));
  const drawers = rand() < 0.5;
  const knob: Rgb = rand() < 0.5 ? [200, 190, 150] : [40, 40, 45];
  const cells = drawers ? Math.max(2, Math.round(canvas.heightM / 0.25)) : 1;
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < cells; j++) {
      const x0 = (canvas.widthM * i) / n;
      const x1 = (canvas.widthM * (i + 1)) / n;
      const y0 = (canvas.heightM * j) / cells;
      const y1 = (canvas.heightM * (j + 1)) / cells;
      const kx = drawers ? (x0 + x1) / 2 : i % 2 ? x0 + 0.05 : x1 - 0.05;
      const ky = drawers ? (y0 + y1) / 2 : y0 + Math.min(0.15, (y1 - y0) / 3);
      canvas.paint(x0, y0, x1, y1, (x, y, out) => {
        const d = Math.min(x - x0, y - y0, x1 - x, y1 - y);
        if (Math.hypot(x - kx, y - ky) < 0.02) setInto(out, knob);
        else if (d < 0.008) setInto(out, finish.colour, 0.35);
        else if (d < 0.03) setInto(out, finish.colour, 1.15);
        else return 0;
        return 1;
      });
    }
  }
}
