/**
 * The six shapes as inside-tests in a local frame. Every outline is scaled to the area of the
 * unit disk, so a pose's `radius` sets the area (pi * radius^2 pixels) whatever the shape:
 * "the largest object" then never favours the bulkier shapes, and the label distribution of
 * the largest object stays uniform over shapes.
 */
import type { Rand } from '@gradloc/tensor-backend';

export const SHAPES = ['circle', 'square', 'triangle', 'star', 'cross', 'ring'] as const;
export type ShapeName = (typeof SHAPES)[number];

/** Where and how an object is drawn, in pixels of the scene (pixel i spans [i, i+1)). */
export interface ShapePose {
  readonly cx: number;
  readonly cy: number;
  /** Radius of the disk with the object's full (unoccluded) area. */
  readonly radius: number;
  /** Rotation in radians (0 for the rotation-invariant circle and ring). */
  readonly angle: number;
  /** Shape-specific proportion: star inner/outer radius, ring hole/outer radius, cross arm width/length. */
  readonly detail: number;
}

/** True if local point (u, v), in units of the pose radius, is inside the shape. */
export type InsideTest = (u: number, v: number) => boolean;

export interface ShapeOutline {
  readonly inside: InsideTest;
  /** Distance of the farthest shape point from the centre, in units of the pose radius. */
  readonly extent: number;
}

interface ShapeKind {
  readonly rotates: boolean;
  /** Range of `detail`; equal bounds mean the shape has no free proportion. */
  readonly detail: readonly [number, number];
  outline(detail: number): ShapeOutline;
}

/** Even-odd crossing test; handles the non-convex star as well as the triangle. */
function polygonTest(xs: Float64Array, ys: Float64Array): InsideTest {
  const n = xs.length;
  return (u, v) => {
    let inside = false;
    for (let i = 0, j = n - 1; i < n; j = i++) {
      if (ys[i] > v !== ys[j] > v && u < ((xs[j] - xs[i]) * (v - ys[i])) / (ys[j] - ys[i]) + xs[i]) inside = !inside;
    }
    return inside;
  };
}

/** Vertices on alternating radii, starting straight up (y grows downwards). */
function radialPolygon(radii: readonly number[], count: number): ShapeOutline {
  const n = radii.length * count;
  const xs = new Float64Array(n);
  const ys = new Float64Array(n);
  for (let k = 0; k < n; k++) {
    const a = -Math.PI / 2 + (2 * Math.PI * k) / n;
    const r = radii[k % radii.length];
    xs[k] = r * Math.cos(a);
    ys[k] = r * Math.sin(a);
  }
  return { inside: polygonTest(xs, ys), extent: Math.max(...radii) };
}

const KINDS: Readonly<Record<ShapeName, ShapeKind>> = {
  circle: {
    rotates: false,
    detail: [0, 0],
    outline: () => ({ inside: (u, v) => u * u + v * v <= 1, extent: 1 }),
  },
  square: {
    rotates: true,
    detail: [0, 0],
    outline: () => {
      const h = Math.sqrt(Math.PI) / 2;
      return { inside: (u, v) => Math.abs(u) <= h && Math.abs(v) <= h, extent: h * Math.SQRT2 };
    },
  },
  triangle: {
    rotates: true,
    detail: [0, 0],
    // Equilateral: area (3 sqrt 3 / 4) R^2 with circumradius R.
    outline: () => radialPolygon([Math.sqrt(Math.PI / ((3 * Math.sqrt(3)) / 4))], 3),
  },
  star: {
    rotates: true,
    // Below ~0.4 the points get thinner than a pixel on small stars; above ~0.55 it reads as a pentagon.
    detail: [0.42, 0.55],
    outline: (q) => {
      // Ten triangles of sides R and qR at 36 degrees: area 5 q R^2 sin 36.
      const r = Math.sqrt(Math.PI / (5 * q * Math.sin(Math.PI / 5)));
      return radialPolygon([r, q * r], 5);
    },
  },
  cross: {
    rotates: true,
    // Half-width / half-length of an arm: thin enough to differ from a square, thick enough to see.
    detail: [0.28, 0.4],
    outline: (p) => {
      const l = Math.sqrt(Math.PI / (8 * p - 4 * p * p));
      const w = p * l;
      return {
        inside: (u, v) => {
          const au = Math.abs(u);
          const av = Math.abs(v);
          return (au <= l && av <= w) || (au <= w && av <= l);
        },
        extent: Math.hypot(l, w),
      };
    },
  },
  ring: {
    rotates: false,
    // Hole / outer radius: the hole stays several pixels wide even on the smallest rings.
    detail: [0.45, 0.62],
    outline: (q) => {
      const outer2 = 1 / (1 - q * q);
      const inner2 = q * q * outer2;
      return {
        inside: (u, v) => {
          const d = u * u + v * v;
          return d <= outer2 && d >= inner2;
        },
        extent: Math.sqrt(outer2),
      };
    },
  },
};

export const shapeRotates = (shape: ShapeName): boolean => KINDS[shape].rotates;

/** A random proportion within the shape's range (consumes one draw for every shape, so streams stay aligned). */
export function sampleDetail(shape: ShapeName, rand: Rand): number {
  const [lo, hi] = KINDS[shape].detail;
  return lo + (hi - lo) * rand();
}

export const outlineOf = (shape: ShapeName, detail: number): ShapeOutline => KINDS[shape].outline(detail);
