/**
 * Renders a view of a room by casting one ray per pixel: the RGB (optionally 2x2 supersampled),
 * the depth and the world coordinates of the pixel-centre ray. Pixel (u, v) is the ray through
 * ((u - cx) / fx, (v - cy) / fy, 1): integer coordinates are pixel centres, as projectPoint
 * and OpenCV have it.
 */
import type { RgbImage } from '@gradloc/tensor-backend';
import type { Intrinsics, Pose, Vec3 } from '../../geometry/pose.js';
import type { Texture } from './canvas.js';
import { BoxCaster, PLANE_AXES } from './raycast.js';
import type { RoomLayout } from './room.js';
import { roomTextures } from './surfaces.js';

export interface RenderedView {
  readonly image: RgbImage;
  /** Camera-frame z per pixel, metres. */
  readonly depth: Float32Array;
  /** World coordinates per pixel [height, width, 3]. */
  readonly coords: Float32Array;
}

export interface RenderOptions {
  /** Average 2x2 rays per pixel for the RGB (anti-aliasing); depth and coords stay from the centre ray. Default true. */
  readonly supersample?: boolean;
}

/** Sub-pixel offsets of the supersampled RGB rays (a 2x2 grid inside the pixel). */
const SUB_U = [-0.25, 0.25, -0.25, 0.25];
const SUB_V = [-0.25, -0.25, 0.25, 0.25];

/**
 * Light: ambient, a fixed directional fill (so faces of different orientation differ) and a
 * point lamp under the ceiling centre with a gentle distance falloff. All of it depends on the
 * surface point only, never on the camera: a spot looks the same from every pose.
 */
const AMBIENT = 0.45;
const FILL: Vec3 = [0.36, 0.6, 0.71];
const FILL_GAIN = 0.25;
const LAMP_GAIN = 0.55;
const LAMP_BELOW_CEILING = 0.25;
const LAMP_FALLOFF = 0.04;

export class RoomRenderer {
  readonly caster: BoxCaster;
  private textures: (Texture | null)[] | undefined;
  private readonly lamp: Vec3;
  private readonly colour = new Float64Array(3);

  constructor(readonly layout: RoomLayout) {
    this.caster = new BoxCaster(layout.room, layout.furniture);
    const { min, max } = layout.room;
    this.lamp = [(min[0] + max[0]) / 2, (min[1] + max[1]) / 2, max[2] - LAMP_BELOW_CEILING];
  }

  /** The room's textures, painted on first use (a few MB per room, kept for later frames). */
  surfaces(): readonly (Texture | null)[] {
    this.textures ??= roomTextures(this.layout);
    return this.textures;
  }

  render(pose: Pose, K: Intrinsics, options: RenderOptions = {}): RenderedView {
    const supersample = options.supersample ?? true;
    const { width, height } = K;
    const textures = this.surfaces();
    const image = new Uint8Array(width * height * 3);
    const depth = new Float32Array(width * height);
    const coords = new Float32Array(width * height * 3);
    const R = pose.R;
    const [ox, oy, oz] = pose.t;
    const caster = this.caster;
    const c = this.colour;
    for (let v = 0; v < height; v++) {
      for (let u = 0; u < width; u++) {
        const i = v * width + u;
        const xc = (u - K.cx) / K.fx;
        const yc = (v - K.cy) / K.fy;
        const dx = R[0] * xc + R[1] * yc + R[2];
        const dy = R[3] * xc + R[4] * yc + R[5];
        const dz = R[6] * xc + R[7] * yc + R[8];
        const t = caster.cast(ox, oy, oz, dx, dy, dz);
        depth[i] = t;
        coords[3 * i] = ox + t * dx;
        coords[3 * i + 1] = oy + t * dy;
        coords[3 * i + 2] = oz + t * dz;
        let r = 0;
        let g = 0;
        let b = 0;
        if (!supersample) {
          this.shade(textures, caster.surface, ox + t * dx, oy + t * dy, oz + t * dz);
          r = c[0];
          g = c[1];
          b = c[2];
        } else {
          for (let k = 0; k < 4; k++) {
            const sx = xc + SUB_U[k] / K.fx;
            const sy = yc + SUB_V[k] / K.fy;
            const ex = R[0] * sx + R[1] * sy + R[2];
            const ey = R[3] * sx + R[4] * sy + R[5];
            const ez = R[6] * sx + R[7] * sy + R[8];
            const s = caster.cast(ox, oy, oz, ex, ey, ez);
            this.shade(textures, caster.surface, ox + s * ex, oy + s * ey, oz + s * ez);
            r += c[0];
            g += c[1];
            b += c[2];
          }
          r /= 4;
          g /= 4;
          b /= 4;
        }
        image[3 * i] = r > 255 ? 255 : Math.round(r);
        image[3 * i + 1] = g > 255 ? 255 : Math.round(g);
        image[3 * i + 2] = b > 255 ? 255 : Math.round(b);
      }
    }
    return { image: { width, height, data: image }, depth, coords };
  }

  /** Lit texture colour of `surface` at world point (x, y, z), into this.colour. */
  private shade(textures: readonly (Texture | null)[], surface: number, x: number, y: number, z: number): void {
    const tex = textures[surface];
    const c = this.colour;
    if (!tex) {
      c[0] = c[1] = c[2] = 0;
      return;
    }
    const box = 3 * Math.floor(surface / 6);
    const axis = (surface % 6) >> 1;
    const ua = PLANE_AXES[axis][0];
    const va = PLANE_AXES[axis][1];
    const lo = this.caster.lo;
    const hi = this.caster.hi;
    const p0 = ua === 0 ? x : y;
    const p1 = va === 1 ? y : z;
    const d = tex.density;
    // texture rows run down vertical faces (row 0 at the top), along +y on floors and tops
    const s = (p0 - lo[box + ua]) * d - 0.5;
    const tt = va === 2 ? (hi[box + 2] - p1) * d - 0.5 : (p1 - lo[box + 1]) * d - 0.5;
    sampleBilinear(tex, s, tt, c);
    const sign = this.caster.normalSign(surface);
    const fill = FILL_GAIN * (0.5 + 0.5 * sign * FILL[axis]);
    const lx = this.lamp[0] - x;
    const ly = this.lamp[1] - y;
    const lz = this.lamp[2] - z;
    const dist2 = lx * lx + ly * ly + lz * lz;
    const along = sign * (axis === 0 ? lx : axis === 1 ? ly : lz);
    const lamp = along > 0 ? (LAMP_GAIN * along) / Math.sqrt(dist2) / (1 + LAMP_FALLOFF * dist2) : 0;
    const k = AMBIENT + fill + lamp;
    c[0] *= k;
    c[1] *= k;
    c[2] *= k;
  }
}

/** Bilinear texel lookup at texel coordinates (s, t) (texel centres at integers), clamped to the edges. */
function sampleBilinear(tex: Texture, s: number, t: number, out: Float64Array): void {
  const w = tex.width;
  const h = tex.height;
  const sc = s < 0 ? 0 : s > w - 1 ? w - 1 : s;
  const tc = t < 0 ? 0 : t > h - 1 ? h - 1 : t;
  const i0 = Math.floor(sc);
  const j0 = Math.floor(tc);
  const i1 = i0 + 1 < w ? i0 + 1 : i0;
  const j1 = j0 + 1 < h ? j0 + 1 : j0;
  const fs = sc - i0;
  const ft = tc - j0;
  const data = tex.data;
  const a = (j0 * w + i0) * 3;
  const b = (j0 * w + i1) * 3;
  const c = (j1 * w + i0) * 3;
  const e = (j1 * w + i1) * 3;
  for (let ch = 0; ch < 3; ch++) {
    const top = data[a + ch] + (data[b + ch] - data[a + ch]) * fs;
    const bottom = data[c + ch] + (data[e + ch] - data[c + ch]) * fs;
    out[ch] = top + (bottom - top) * ft;
  }
}
