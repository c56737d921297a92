/**
 * Ray casting against a room: the room box seen from inside plus furniture boxes seen from
 * outside. Surfaces are numbered box * 6 + face, box 0 being the room and face
 * axis * 2 + (0 min side, 1 max side), so the renderer finds a surface's texture and normal
 * from one integer.
 */
import type { Box } from './room.js';

/** The two in-surface axes of a face perpendicular to `axis` (texture u along the first). */
export const PLANE_AXES: readonly (readonly [number, number])[] = [[1, 2], [0, 2], [0, 1]];

export class BoxCaster {
  /** Corners of box b at [3b, 3b + 3). */
  readonly lo: Float64Array;
  readonly hi: Float64Array;
  readonly boxes: number;
  /** Surface of the last cast's hit. */
  surface = 0;

  constructor(room: Box, furniture: readonly Box[]) {
    const all = [room, ...furniture];
    this.boxes = all.length;
    this.lo = new Float64Array(all.flatMap((b) => [...b.min]));
    this.hi = new Float64Array(all.flatMap((b) => [...b.max]));
  }

  /**
   * Ray parameter t of the first surface hit from o along d (d need not be unit: with the
   * camera-frame direction's z = 1, t is the depth). The origin must lie inside the room and
   * outside all furniture, so every ray hits (the room is closed).
   */
  cast(ox: number, oy: number, oz: number, dx: number, dy: number, dz: number): number {
    const { lo, hi } = this;
    // room, from inside: the nearest exit plane (plain statements: this is the hot loop)
    let best = Infinity;
    let surface = 0;
    if (dx !== 0) {
      const t = ((dx > 0 ? hi[0] : lo[0]) - ox) / dx;
      if (t < best) {
        best = t;
        surface = dx > 0 ? 1 : 0;
      }
    }
    if (dy !== 0) {
      const t = ((dy > 0 ? hi[1] : lo[1]) - oy) / dy;
      if (t < best) {
        best = t;
        surface = dy > 0 ? 3 : 2;
      }
    }
    if (dz !== 0) {
      const t = ((dz > 0 ? hi[2] : lo[2]) - oz) / dz;
      if (t < best) {
        best = t;
        surface = dz > 0 ? 5 : 4;
      }
    }
    // furniture, from outside: slab test, the entry plane names the face. Reciprocals once per
    // ray; an axis the ray runs parallel to gives +-Infinity slabs, which the comparisons handle
    // (a parallel ray exactly on a box plane gives NaN and counts as a miss).
    const ix = 1 / dx;
    const iy = 1 / dy;
    const iz = 1 / dz;
    for (let b = 1; b < this.boxes; b++) {
      const k = 3 * b;
      const ax = (lo[k] - ox) * ix;
      const bx = (hi[k] - ox) * ix;
      const ay = (lo[k + 1] - oy) * iy;
      const by = (hi[k + 1] - oy) * iy;
      const az = (lo[k + 2] - oz) * iz;
      const bz = (hi[k + 2] - oz) * iz;
      let near = ix > 0 ? ax : bx;
      let face = ix > 0 ? 0 : 1;
      let far = ix > 0 ? bx : ax;
      const ny = iy > 0 ? ay : by;
      const fy = iy > 0 ? by : ay;
      if (ny > near) {
        near = ny;
        face = iy > 0 ? 2 : 3;
      }
      if (fy < far) far = fy;
      const nz = iz > 0 ? az : bz;
      const fz = iz > 0 ? bz : az;
      if (nz > near) {
        near = nz;
        face = iz > 0 ? 4 : 5;
      }
      if (fz < far) far = fz;
      if (near <= far && near > 0 && near < best) {
        best = near;
        surface = b * 6 + face;
      }
    }
    this.surface = surface;
    return best;
  }

  /** Outward normal sign (+1/-1 along the face's axis) of a surface, as seen by the camera. */
  normalSign(surface: number): number {
    const side = surface % 2;
    // the room is seen from inside: its normals point inwards
    return surface < 6 ? (side === 0 ? 1 : -1) : side === 0 ? -1 : 1;
  }
}
