/**
 * A plain rectangular grid division: the baseline sub-region scheme (and SLIC's seed layout).
 */
import { checkSize, type Regions } from './types.js';

/** Rows and columns of a grid division. */
export interface GridShape {
  readonly rows: number;
  readonly cols: number;
}

/** Largest cell aspect ratio (long side / short side) preferred by `gridShape`. */
export const GRID_MAX_ASPECT = 1.5;

/**
 * The grid shape used for about `regions` cells on a `height x width` image.
 *
 * Rule: N = `regions` rounded and clamped to [1, height * width]. Every row count
 * r = 1..min(height, N) is a candidate, with c = round(N / r) clamped to [1, width] columns;
 * its cells are (width / c) x (height / r) pixels. Candidates whose cells are at most
 * GRID_MAX_ASPECT (1.5) times longer one way than the other are admissible; among them the
 * smallest |r * c - N| wins, ties going to the squarer cells, then to fewer rows. When none is
 * admissible (very thin images) the squarest candidate wins (ties: smallest |r * c - N|, fewer rows).
 * Examples: 96x96 and 64 -> 8 x 8; 48x80 (H x W) and 64 -> 7 x 9 = 63 (8 x 8 would give 6x10-pixel
 * cells); 5x100 and 16 -> 1 x 16; N >= height * width -> height x width (one pixel per cell).
 */
export function gridShape(height: number, width: number, regions: number): GridShape {
  checkSize(height, width);
  const total = height * width;
  const n = Math.min(total, Math.max(1, Math.round(Number.isFinite(regions) ? regions : 1)));
  if (n === total) return { rows: height, cols: width };
  const limit = Math.log(GRID_MAX_ASPECT) + 1e-9;
  let best: GridShape = { rows: 1, cols: 1 };
  let bestKey: [number, number, number, number] = [Infinity, Infinity, Infinity, Infinity];
  for (let r = 1; r <= Math.min(height, n); r++) {
    const c = Math.min(width, Math.max(1, Math.round(n / r)));
    const err = Math.abs(r * c - n);
    const aspect = Math.abs(Math.log(width / c / (height / r)));
    const admissible = aspect <= limit ? 0 : 1;
    // Lexicographic: admissible first; then error (admissible) or squareness (fallback); then the other; then rows.
    const key: [number, number, number, number] = admissible === 0 ? [0, err, aspect, r] : [1, aspect, err, r];
    let better = false;
    for (let i = 0; i < 4; i++) {
      if (Math.abs(key[i] - bestKey[i]) <= 1e-12) continue;
      better = key[i] < bestKey[i];
      break;
    }
    if (better) {
      best = { rows: r, cols: c };
      bestKey = key;
    }
  }
  return best;
}

/** First pixel of each of `parts` near-equal bands of `length` pixels (plus `length` at the end). */
export function bandStarts(length: number, parts: number): Int32Array {
  const s = new Int32Array(parts + 1);
  for (let j = 0; j <= parts; j++) s[j] = Math.floor((j * length) / parts);
  return s;
}

/**
 * Divides a `height x width` image into a `rows x cols` grid of rectangles (`gridShape`'s rule for
 * about `regions` cells, default 64). Row j spans pixels [floor(j * H / rows), floor((j + 1) * H / rows)),
 * likewise for columns, so cell sides differ by at most one pixel. Region id = row * cols + col.
 */
export function gridRegions(height: number, width: number, regions = 64): Regions & GridShape {
  const { rows, cols } = gridShape(height, width, regions);
  const ys = bandStarts(height, rows);
  const xs = bandStarts(width, cols);
  const colOf = new Int32Array(width);
  for (let i = 0; i < cols; i++) for (let x = xs[i]; x < xs[i + 1]; x++) colOf[x] = i;
  const labels = new Int32Array(height * width);
  for (let j = 0; j < rows; j++) {
    for (let y = ys[j]; y < ys[j + 1]; y++) {
      const o = y * width;
      for (let x = 0; x < width; x++) labels[o + x] = j * cols + colOf[x];
    }
  }
  return { width, height, count: rows * cols, labels, rows, cols };
}
