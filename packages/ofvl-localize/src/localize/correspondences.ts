/**
 * A prediction as PnP input: one 2D-3D correspondence per output cell (the cell's centre
 * pixel and its predicted scene coordinate), as UFVL-Net hands all 4800 cells to its solver.
 */
import { cellPixel } from '../model/config.js';

export interface Correspondences {
  /** [N, 3] world points (metres). */
  readonly points: Float32Array;
  /** [N, 2] pixels (u, v). */
  readonly pixels: Float32Array;
}

/** `coords` is [3, rows, cols] (one frame of the network's output). */
export function cellCorrespondences(coords: ArrayLike<number>, rows: number, cols: number, stride: number): Correspondences {
  const n = rows * cols;
  const points = new Float32Array(n * 3);
  const pixels = new Float32Array(n * 2);
  for (let i = 0; i < rows; i++) {
    for (let j = 0; j < cols; j++) {
      const c = i * cols + j;
      for (let k = 0; k < 3; k++) points[c * 3 + k] = coords[k * n + c];
      pixels[c * 2] = cellPixel(stride, j);
      pixels[c * 2 + 1] = cellPixel(stride, i);
    }
  }
  return { points, pixels };
}
