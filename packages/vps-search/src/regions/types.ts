/**
 * A division of an image into sub-regions: the unit Visual Precision Search selects, keeps and
 * removes. One label per pixel; every producer in this package (`slic`, `gridRegions`) returns
 * labels 0..count-1 that are all used, each region being one 4-connected set of pixels.
 */

/** A labelled partition of a `height x width` image. */
export interface Regions {
  readonly width: number;
  readonly height: number;
  /** Number of regions; labels are 0..count-1, each used at least once. */
  readonly count: number;
  /** Region id per pixel, row-major (`y * width + x`), 0..count-1. */
  readonly labels: Int32Array;
}

/**
 * Wraps arbitrary integer labels (any values, e.g. sparse or negative) as `Regions`, renumbering
 * them 0..count-1 in order of first appearance in a row-major scan. Connectivity is not checked.
 */
export function regionsFromLabels(height: number, width: number, labels: ArrayLike<number>): Regions {
  checkSize(height, width);
  const n = height * width;
  if (labels.length !== n) throw new Error(`regionsFromLabels: ${labels.length} labels for a ${height}x${width} image`);
  const map = new Map<number, number>();
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const l = labels[i];
    let id = map.get(l);
    if (id === undefined) {
      id = map.size;
      map.set(l, id);
    }
    out[i] = id;
  }
  return { width, height, count: map.size, labels: out };
}

/** Number of pixels of each region. */
export function regionSizes(r: Regions): Int32Array {
  const sizes = new Int32Array(r.count);
  const { labels } = r;
  for (let i = 0; i < labels.length; i++) sizes[labels[i]]++;
  return sizes;
}

/**
 * The pixel indices (row-major, ascending) of every region: `pixels[k]` lists region k's pixels.
 * All lists are views into one shared Int32Array of length width * height (a counting sort).
 */
export function regionPixels(r: Regions): Int32Array[] {
  const { labels, count } = r;
  const start = new Int32Array(count + 1);
  for (let i = 0; i < labels.length; i++) start[labels[i] + 1]++;
  for (let k = 0; k < count; k++) start[k + 1] += start[k];
  const flat = new Int32Array(labels.length);
  const fill = start.slice(0, count);
  for (let i = 0; i < labels.length; i++) flat[fill[labels[i]]++] = i;
  const out: Int32Array[] = new Array(count);
  for (let k = 0; k < count; k++) out[k] = flat.subarray(start[k], start[k + 1]);
  return out;
}

/** Mean pixel position of every region, in pixel units (x = column, y = row). */
export function regionCentroids(r: Regions): { readonly x: Float64Array; readonly y: Float64Array } {
  const { labels, count, width } = r;
  const x = new Float64Array(count);
  const y = new Float64Array(count);
  const n = new Float64Array(count);
  for (let i = 0; i < labels.length; i++) {
    const k = labels[i];
    x[k] += i % width;
    y[k] += Math.floor(i / width);
    n[k]++;
  }
  for (let k = 0; k < count; k++) {
    x[k] /= n[k];
    y[k] /= n[k];
  }
  return { x, y };
}

/** A 0/1 mask (row-major, `height * width`) of the union of the given regions. */
export function regionMask(r: Regions, ids: Iterable<number>): Uint8Array {
  const on = new Uint8Array(r.count);
  for (const k of ids) {
    if (!Number.isInteger(k) || k < 0 || k >= r.count) throw new Error(`regionMask: no region ${k} (count ${r.count})`);
    on[k] = 1;
  }
  const { labels } = r;
  const mask = new Uint8Array(labels.length);
  for (let i = 0; i < labels.length; i++) mask[i] = on[labels[i]];
  return mask;
}

/** @internal Throws unless height and width are positive integers. */
export function checkSize(height: number, width: number): void {
  if (!Number.isInteger(height) || !Number.isInteger(width) || height < 1 || width < 1) {
    throw new Error(`image size must be positive integers, got ${height}x${width}`);
  }
}
