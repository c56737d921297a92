/**
 * SLIC superpixels (Achanta et al., "SLIC Superpixels Compared to State-of-the-Art Superpixel
 * Methods", TPAMI 2012), with the paper's parameter-free SLICO variant, written from the paper's
 * description:
 *
 * 1. The image is converted to CIELAB (`imageToLab`).
 * 2. K cluster centres [l, a, b, x, y] are seeded on a regular grid (`gridShape`, cells of side
 *    about S = sqrt(N / K)) and each is moved to the lowest-gradient pixel of its 3x3
 *    neighbourhood, G(x, y) = |I(x+1, y) - I(x-1, y)|^2 + |I(x, y+1) - I(x, y-1)|^2 in Lab,
 *    so seeds do not start on an edge or a noisy pixel (skipped when cells are under 3 pixels).
 * 3. Assignment: each centre claims the pixels of a 2S x 2S window around it that are closer to
 *    it than to any centre seen so far, by D = dc^2 / m^2 + ds^2 / S^2 (dc the Lab distance, ds the
 *    spatial one). With a fixed compactness m this is the paper's D' = sqrt((dc/m)^2 + (ds/S)^2)
 *    (squared); SLICO replaces m^2 per cluster by the largest dc^2 seen among that cluster's
 *    pixels in the previous iteration (10^2 at the start; floored at 2.3^2, see
 *    SLICO_MIN_M2), so compactness adapts to each region's texture. A pixel that no window
 *    reaches keeps its previous assignment (-1 in the first round).
 * 4. Update: each centre moves to the mean [l, a, b, x, y] of its pixels. Steps 3-4 repeat for
 *    `iterations` rounds (stopping early at a fixed point).
 * 5. Connectivity enforcement: the 4-connected components of the labelling are found; a component
 *    of at least `minSizeRatio` (1/4) of the average region size N / K becomes a region of its
 *    own, smaller ones (orphans, and pixels no window reached) are merged whole into the adjacent
 *    region of nearest mean Lab colour. Labels are renumbered 0..count-1 in row-major order of
 *    first appearance.
 *
 * Deterministic: no random numbers are drawn, ties go to the earlier centre / component.
 */
import { bandStarts, gridShape } from './grid.js';
import { imageToLab, type LabImage } from './lab.js';
import { checkSize, type Regions } from './types.js';

export interface SlicOptions {
  /** Requested number of regions K (default 64), clamped to [1, height * width]. */
  readonly regions?: number;
  /** 'slico' (default, adaptive) or a fixed m > 0 in Lab units: larger = more compact, less colour-driven (10-40 typical). */
  readonly compactness?: 'slico' | number;
  /** Assignment/update rounds (default 10; the paper finds 10 enough for most images). */
  readonly iterations?: number;
  /** Memory layout of `image`: CHW `[3, H, W]` (default) or HWC `[H, W, 3]`. */
  readonly layout?: 'chw' | 'hwc';
  /** Components smaller than this fraction of the average region size N / K are merged into a neighbour (default 0.25). */
  readonly minSizeRatio?: number;
  /** Accepted for API uniformity with the search; SLIC is deterministic and ignores it. */
  readonly seed?: number;
}

/** Initial SLICO colour normaliser m_c^2 (Lab units squared), before any cluster has been measured. */
const SLICO_INITIAL_M2 = 100;
/**
 * Floor on SLICO's m_c^2: 2.3^2, a just-noticeable CIELAB difference (Sharma, "Digital Color
 * Imaging Handbook", 2003). Without it a nearly flat cluster (m_c of a Lab unit or less) would
 * let imperceptible noise outweigh the spatial term and fray its boundaries (and a perfectly
 * flat one would divide by zero). Measured on a two-colour image with +-0.01 noise: 46 regions
 * for 63 seeds without the floor, 63 with it. Not in the paper: our choice.
 */
const SLICO_MIN_M2 = 2.3 * 2.3;

/**
 * SLIC / SLICO superpixels of an RGB image with values in [0, 1].
 *
 * Guarantees: every pixel is labelled, labels are 0..count-1 all used, every region is one
 * 4-connected component, the result is deterministic, and
 *
 *     1 <= count <= min(N, 4 K')
 *
 * with N = height * width and K' = rows * cols of `gridShape(height, width, regions)` the number
 * of seeds (K' = K for square-friendly requests, e.g. 64 on 96x96; 63 for 64 on 48x80; N when
 * K >= N): unless count = 1, every region holds at least minSizeRatio * N / K' pixels (the bound
 * is min(N, K' / minSizeRatio) for another minSizeRatio > 0).
 *
 * Typical, not guaranteed (measured, SLICO): count in [0.75 K, 1.05 K] on flat, two-colour and
 * disks-on-texture images of 96x96, 48x80 and 200x300 for K = 16..256 (the tests check
 * [0.7 K, 1.3 K]); about 0.6-0.8 K on uniform RGB noise. A fixed m far below the image's colour
 * contrast fragments clusters, and merging the fragments can leave far fewer regions (m = 10 on
 * uniform noise: as few as 1 region for K = 100 on 200x300).
 */
export function slic(image: ArrayLike<number>, height: number, width: number, options: SlicOptions = {}): Regions {
  checkSize(height, width);
  const n = height * width;
  const layout = options.layout ?? 'chw';
  if (layout !== 'chw' && layout !== 'hwc') throw new Error(`slic: unknown layout '${String(layout)}'`);
  const requested = options.regions ?? 64;
  if (!Number.isFinite(requested) || requested < 1) throw new Error(`slic: regions must be >= 1, got ${requested}`);
  const iterations = options.iterations ?? 10;
  if (!Number.isInteger(iterations) || iterations < 1) throw new Error(`slic: iterations must be a positive integer, got ${iterations}`);
  const compactness = options.compactness ?? 'slico';
  if (compactness !== 'slico' && !(typeof compactness === 'number' && compactness > 0 && Number.isFinite(compactness))) {
    throw new Error(`slic: compactness must be 'slico' or a positive number, got ${String(compactness)}`);
  }
  const minSizeRatio = options.minSizeRatio ?? 0.25;
  if (!(minSizeRatio >= 0 && minSizeRatio <= 1)) throw new Error(`slic: minSizeRatio must be in [0, 1], got ${minSizeRatio}`);

  const lab = imageToLab(image, height, width, layout);
  const { rows, cols } = gridShape(height, width, requested);
  const k = rows * cols;
  const cellW = width / cols;
  const cellH = height / rows;
  const step = Math.sqrt(n / k); // S
  const centres = seedCentres(lab, height, width, rows, cols);
  const labels = cluster(lab, height, width, centres, {
    // Half-window S, widened to a cell side when the grid is stretched (very thin images).
    rx: Math.max(step, cellW),
    ry: Math.max(step, cellH),
    invS2: 1 / (step * step),
    fixedM2: compactness === 'slico' ? 0 : compactness * compactness,
    iterations,
  });
  return enforceConnectivity(lab, height, width, labels, minSizeRatio * (n / k));
}

/** Cluster centres as parallel arrays. */
interface Centres {
  readonly count: number;
  readonly l: Float64Array;
  readonly a: Float64Array;
  readonly b: Float64Array;
  readonly x: Float64Array;
  readonly y: Float64Array;
}

function seedCentres(lab: LabImage, height: number, width: number, rows: number, cols: number): Centres {
  const count = rows * cols;
  const c: Centres = {
    count,
    l: new Float64Array(count),
    a: new Float64Array(count),
    b: new Float64Array(count),
    x: new Float64Array(count),
    y: new Float64Array(count),
  };
  const ys = bandStarts(height, rows);
  const xs = bandStarts(width, cols);
  const perturb = Math.min(height / rows, width / cols) >= 3;
  for (let j = 0; j < rows; j++) {
    for (let i = 0; i < cols; i++) {
      let sx = (xs[i] + xs[i + 1] - 1) >> 1;
      let sy = (ys[j] + ys[j + 1] - 1) >> 1;
      if (perturb) {
        // Lowest gradient in the 3x3 neighbourhood; the centre wins ties, then scan order.
        let best = gradient(lab, height, width, sx, sy);
        let bx = sx;
        let by = sy;
        for (let dy = -1; dy <= 1; dy++) {
          for (let dx = -1; dx <= 1; dx++) {
            const x = sx + dx;
            const y = sy + dy;
            if ((dx === 0 && dy === 0) || x < 0 || y < 0 || x >= width || y >= height) continue;
            const g = gradient(lab, height, width, x, y);
            if (g < best) {
              best = g;
              bx = x;
              by = y;
            }
          }
        }
        sx = bx;
        sy = by;
      }
      const q = j * cols + i;
      const p = sy * width + sx;
      c.l[q] = lab.l[p];
      c.a[q] = lab.a[p];
      c.b[q] = lab.b[p];
      c.x[q] = sx;
      c.y[q] = sy;
    }
  }
  return c;
}

/** Squared Lab central-difference gradient at (x, y), neighbours clamped to the image. */
function gradient(lab: LabImage, height: number, width: number, x: number, y: number): number {
  const row = y * width;
  const l = row + Math.max(0, x - 1);
  const r = row + Math.min(width - 1, x + 1);
  const u = Math.max(0, y - 1) * width + x;
  const d = Math.min(height - 1, y + 1) * width + x;
  const dl = lab.l[r] - lab.l[l];
  const da = lab.a[r] - lab.a[l];
  const db = lab.b[r] - lab.b[l];
  const el = lab.l[d] - lab.l[u];
  const ea = lab.a[d] - lab.a[u];
  const eb = lab.b[d] - lab.b[u];
  return dl * dl + da * da + db * db + el * el + ea * ea + eb * eb;
}

interface ClusterParams {
  readonly rx: number;
  readonly ry: number;
  readonly invS2: number;
  /** m^2 for fixed compactness, 0 for SLICO. */
  readonly fixedM2: number;
  readonly iterations: number;
}

/** The k-means rounds; returns a label per pixel (-1 where no window reached). */
function cluster(lab: LabImage, height: number, width: number, c: Centres, p: ClusterParams): Int32Array {
  const n = height * width;
  const k = c.count;
  const L = lab.l;
  const A = lab.a;
  const B = lab.b;
  const slico = p.fixedM2 === 0;
  const m2 = new Float64Array(k).fill(slico ? SLICO_INITIAL_M2 : p.fixedM2);
  const labels = new Int32Array(n).fill(-1);
  const prev = new Int32Array(n);
  const dist = new Float64Array(n);
  const colour = new Float64Array(n); // dc^2 to the assigned centre
  const sum = new Float64Array(6 * k); // l, a, b, x, y, count
  const maxC = new Float64Array(k);
  const { rx, ry, invS2 } = p;
  for (let it = 0; it < p.iterations; it++) {
    prev.set(labels);
    dist.fill(Infinity);
    for (let q = 0; q < k; q++) {
      const cl = c.l[q];
      const ca = c.a[q];
      const cb = c.b[q];
      const cx = c.x[q];
      const cy = c.y[q];
      const wc = 1 / m2[q];
      const x0 = Math.max(0, Math.floor(cx - rx));
      const x1 = Math.min(width - 1, Math.ceil(cx + rx));
      const y0 = Math.max(0, Math.floor(cy - ry));
      const y1 = Math.min(height - 1, Math.ceil(cy + ry));
      for (let y = y0; y <= y1; y++) {
        const dy = y - cy;
        const dy2 = dy * dy;
        let i = y * width + x0;
        for (let x = x0; x <= x1; x++, i++) {
          const dl = L[i] - cl;
          const da = A[i] - ca;
          const db = B[i] - cb;
          const dc2 = dl * dl + da * da + db * db;
          const dx = x - cx;
          const d = dc2 * wc + (dx * dx + dy2) * invS2;
          if (d < dist[i]) {
            dist[i] = d;
            labels[i] = q;
            colour[i] = dc2;
          }
        }
      }
    }
    // Update: centres to their pixels' means; SLICO's m_c^2 to the largest dc^2 of the cluster.
    sum.fill(0);
    maxC.fill(0);
    let changed = false;
    for (let i = 0; i < n; i++) {
      const q = labels[i];
      if (q !== prev[i]) changed = true;
      if (q < 0) continue;
      const o = 6 * q;
      sum[o] += L[i];
      sum[o + 1] += A[i];
      sum[o + 2] += B[i];
      sum[o + 3] += i % width;
      sum[o + 4] += (i / width) | 0;
      sum[o + 5]++;
      if (colour[i] > maxC[q]) maxC[q] = colour[i];
    }
    let moved = false;
    for (let q = 0; q < k; q++) {
      const o = 6 * q;
      const cnt = sum[o + 5];
      if (cnt === 0) continue; // an empty cluster keeps its centre and may win pixels back
      const l = sum[o] / cnt;
      const a = sum[o + 1] / cnt;
      const b = sum[o + 2] / cnt;
      const x = sum[o + 3] / cnt;
      const y = sum[o + 4] / cnt;
      if (l !== c.l[q] || a !== c.a[q] || b !== c.b[q] || x !== c.x[q] || y !== c.y[q]) moved = true;
      c.l[q] = l;
      c.a[q] = a;
      c.b[q] = b;
      c.x[q] = x;
      c.y[q] = y;
      if (slico) {
        const v = Math.max(maxC[q], SLICO_MIN_M2);
        if (v !== m2[q]) moved = true;
        m2[q] = v;
      }
    }
    if (!changed && !moved) break; // fixed point: further rounds would repeat this one
  }
  return labels;
}

/**
 * Makes every region one 4-connected component (see step 5 of the module comment) and numbers
 * them 0..count-1. `minSize` is in pixels; label -1 (unreached pixels) is always merged.
 */
function enforceConnectivity(lab: LabImage, height: number, width: number, labels: Int32Array, minSize: number): Regions {
  const n = height * width;
  // 4-connected components of equal labels (scanline BFS with an explicit queue).
  const comp = new Int32Array(n).fill(-1);
  const queue = new Int32Array(n);
  const sizes: number[] = [];
  const compLabel: number[] = [];
  let nc = 0;
  for (let s = 0; s < n; s++) {
    if (comp[s] >= 0) continue;
    const lbl = labels[s];
    comp[s] = nc;
    let head = 0;
    let tail = 0;
    queue[tail++] = s;
    while (head < tail) {
      const i = queue[head++];
      const x = i % width;
      if (x > 0 && comp[i - 1] < 0 && labels[i - 1] === lbl) {
        comp[i - 1] = nc;
        queue[tail++] = i - 1;
      }
      if (x < width - 1 && comp[i + 1] < 0 && labels[i + 1] === lbl) {
        comp[i + 1] = nc;
        queue[tail++] = i + 1;
      }
      if (i >= width && comp[i - width] < 0 && labels[i - width] === lbl) {
        comp[i - width] = nc;
        queue[tail++] = i - width;
      }
      if (i + width < n && comp[i + width] < 0 && labels[i + width] === lbl) {
        comp[i + width] = nc;
        queue[tail++] = i + width;
      }
    }
    sizes.push(tail);
    compLabel.push(lbl);
    nc++;
  }

  const size = Float64Array.from(sizes);
  const sum = new Float64Array(3 * nc);
  for (let i = 0; i < n; i++) {
    const o = 3 * comp[i];
    sum[o] += lab.l[i];
    sum[o + 1] += lab.a[i];
    sum[o + 2] += lab.b[i];
  }
  const kept = new Uint8Array(nc);
  let anyKept = false;
  let largest = 0;
  for (let c = 0; c < nc; c++) {
    if (compLabel[c] >= 0 && size[c] >= minSize) {
      kept[c] = 1;
      anyKept = true;
    }
    if (size[c] > size[largest]) largest = c;
  }
  if (!anyKept) kept[largest] = 1;

  const parent = new Int32Array(nc);
  for (let c = 0; c < nc; c++) parent[c] = c;
  const find = (c: number): number => {
    let r = c;
    while (parent[r] !== r) r = parent[r];
    while (parent[c] !== r) {
      const nx = parent[c];
      parent[c] = r;
      c = nx;
    }
    return r;
  };

  let pending: number[] = [];
  for (let c = 0; c < nc; c++) if (!kept[c]) pending.push(c);
  if (pending.length > 0) {
    const nb = orphanNeighbours(comp, kept, height, width, nc);
    pending.sort((p, q) => size[q] - size[p] || p - q);
    while (pending.length > 0) {
      const next: number[] = [];
      let merged = false;
      for (const c of pending) {
        const ml = sum[3 * c] / size[c];
        const ma = sum[3 * c + 1] / size[c];
        const mb = sum[3 * c + 2] / size[c];
        let best = -1;
        let bestD = Infinity;
        for (let e = nb.start[c]; e < nb.start[c + 1]; e++) {
          const r = find(nb.list[e]);
          if (!kept[r]) continue;
          const dl = sum[3 * r] / size[r] - ml;
          const da = sum[3 * r + 1] / size[r] - ma;
          const db = sum[3 * r + 2] / size[r] - mb;
          const d = dl * dl + da * da + db * db;
          if (d < bestD || (d === bestD && r < best)) {
            bestD = d;
            best = r;
          }
        }
        if (best < 0) {
          next.push(c);
          continue;
        }
        parent[c] = best;
        size[best] += size[c];
        sum[3 * best] += sum[3 * c];
        sum[3 * best + 1] += sum[3 * c + 1];
        sum[3 * best + 2] += sum[3 * c + 2];
        merged = true;
      }
      // A group of orphans touching no kept region (only when no component is large enough
      // nearby): its largest member becomes a region and the rest can merge into it.
      if (!merged) kept[next.shift() as number] = 1;
      pending = next;
    }
  }

  const id = new Int32Array(nc).fill(-1);
  const out = new Int32Array(n);
  let count = 0;
  for (let i = 0; i < n; i++) {
    const r = find(comp[i]);
    if (id[r] < 0) id[r] = count++;
    out[i] = id[r];
  }
  return { width, height, count, labels: out };
}

/** For every non-kept component, the distinct components 4-adjacent to it (CSR lists). */
function orphanNeighbours(comp: Int32Array, kept: Uint8Array, height: number, width: number, nc: number): { start: Int32Array; list: Int32Array } {
  const start = new Int32Array(nc + 1);
  const visit = (add: (c: number, d: number) => void): void => {
    for (let y = 0; y < height; y++) {
      const row = y * width;
      for (let x = 0; x < width; x++) {
        const i = row + x;
        const c = comp[i];
        if (x + 1 < width) {
          const d = comp[i + 1];
          if (d !== c) {
            if (!kept[c]) add(c, d);
            if (!kept[d]) add(d, c);
          }
        }
        if (y + 1 < height) {
          const d = comp[i + width];
          if (d !== c) {
            if (!kept[c]) add(c, d);
            if (!kept[d]) add(d, c);
          }
        }
      }
    }
  };
  visit((c) => start[c + 1]++);
  for (let c = 0; c < nc; c++) start[c + 1] += start[c];
  const fill = start.slice(0, nc);
  const raw = new Int32Array(start[nc]);
  visit((c, d) => {
    raw[fill[c]++] = d;
  });
  // Deduplicate each list in place (order of first occurrence), compacting into `list`.
  const stamp = new Int32Array(nc).fill(-1);
  const list = new Int32Array(raw.length);
  const outStart = new Int32Array(nc + 1);
  let w = 0;
  for (let c = 0; c < nc; c++) {
    outStart[c] = w;
    for (let e = start[c]; e < start[c + 1]; e++) {
      const d = raw[e];
      if (stamp[d] === c) continue;
      stamp[d] = c;
      list[w++] = d;
    }
  }
  outStart[nc] = w;
  return { start: outStart, list };
}
