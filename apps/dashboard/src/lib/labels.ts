/**
 * Where to put the labels of boxes drawn on a picture so that no two labels cover each other
 * and none leaves the picture (presentation only: the boxes themselves are the server's).
 *
 * Labels are placed one by one, in the order given (best detection first, so it gets the
 * natural spot). Each takes the first free position among: above its box; just below the
 * box's top edge (inside); below the box; just above the bottom edge (inside); then stacked
 * further up or down from the box, nearest first; and, in a crowded picture, the free spot
 * nearest to the box's top-left corner. Labels are left-aligned with their box and pushed
 * back inside the picture when they would stick out of it.
 */

export interface Rect {
  readonly x: number;
  readonly y: number;
  readonly width: number;
  readonly height: number;
}

export interface Size {
  readonly width: number;
  readonly height: number;
}

export interface Point {
  readonly x: number;
  readonly y: number;
}

/** Pixels kept free between two labels. */
const GAP = 1;

/** Whether two rectangles overlap (edges touching do not). */
export const intersects = (a: Rect, b: Rect): boolean => a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;

const clamp = (v: number, lo: number, hi: number): number => Math.min(Math.max(v, lo), Math.max(lo, hi));

/** The label's positions to try for one box, in order of preference. */
function* candidates(box: Rect, size: Size, bounds: Size): Generator<Point> {
  const x = clamp(box.x, 0, bounds.width - size.width);
  const above = box.y - size.height;
  const bottom = box.y + box.height;
  yield { x, y: above };
  yield { x, y: box.y };
  yield { x, y: bottom };
  yield { x, y: bottom - size.height };
  // stacked: one label height (and the gap) further away each time, up and down alternately
  const step = size.height + GAP;
  for (let k = 1; above - k * step >= 0 || box.y + k * step + size.height <= bounds.height; k++) {
    yield { x, y: above - k * step };
    yield { x, y: box.y + k * step };
  }
  // crowded: any free spot, nearest to the box's top-left corner first
  const spots: Point[] = [];
  for (let y = 0; y + size.height <= bounds.height; y += Math.max(1, Math.floor(size.height / 2))) {
    for (let sx = 0; sx + size.width <= bounds.width; sx += 4) spots.push({ x: sx, y });
  }
  const d = (p: Point): number => (p.x - box.x) ** 2 + (p.y - above) ** 2;
  yield* spots.sort((a, b) => d(a) - d(b));
}

/**
 * Top-left corners for the labels of `boxes` (same order), each label of `sizes[i]`, inside
 * `bounds` (the picture as drawn, its top-left at 0, 0). When the picture has no free room
 * left, a label goes above its box (clamped into the picture), overlapping.
 */
export function placeLabels(boxes: readonly Rect[], sizes: readonly Size[], bounds: Size): Point[] {
  const placed: Rect[] = [];
  return boxes.map((box, i) => {
    const size = sizes[i];
    const padded = (p: Point): Rect => ({ x: p.x - GAP, y: p.y - GAP, width: size.width + 2 * GAP, height: size.height + 2 * GAP });
    const fits = (p: Point): boolean => p.x >= 0 && p.y >= 0 && p.x + size.width <= bounds.width && p.y + size.height <= bounds.height && !placed.some((r) => intersects(padded(p), r));
    let spot: Point | undefined;
    for (const p of candidates(box, size, bounds)) {
      if (fits(p)) {
        spot = p;
        break;
      }
    }
    spot ??= { x: clamp(box.x, 0, bounds.width - size.width), y: clamp(box.y - size.height, 0, bounds.height - size.height) };
    placed.push({ x: spot.x, y: spot.y, width: size.width, height: size.height });
    return spot;
  });
}
