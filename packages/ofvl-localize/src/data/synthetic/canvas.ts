/**
 * A texture being painted, addressed in metres on the surface it will cover, and the finished
 * 8-bit texture the ray caster samples. Painting happens once per surface (lazily, on a room's
 * first frame); rendering only reads.
 */

/** Linear 0..255 RGB (floats while painting). */
export type Rgb = readonly [number, number, number];

/**
 * Colour of the point (x, y) metres into a stamp's surface: writes RGB into `out` and returns
 * the coverage in [0, 1] (0 leaves the texel alone). `out` is reused, so shaders allocate nothing.
 */
export type Shader = (x: number, y: number, out: Float64Array) => number;

/** A finished surface texture: RGB row-major [height, width, 3], `density` texels per metre. */
export interface Texture {
  readonly width: number;
  readonly height: number;
  readonly density: number;
  readonly data: Uint8Array;
}

export class Canvas {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
  private readonly out = new Float64Array(3);

  /** A surface of widthM x heightM metres at `density` texels per metre (at least 2 x 2 texels). */
  constructor(
    readonly widthM: number,
    readonly heightM: number,
    readonly density: number,
  ) {
    this.width = Math.max(2, Math.ceil(widthM * density));
    this.height = Math.max(2, Math.ceil(heightM * density));
    this.data = new Float32Array(this.width * this.height * 3);
  }

  /** Blends `shader` over the texels whose centres lie in [x0, x1] x [y0, y1] metres. */
  paint(x0: number, y0: number, x1: number, y1: number, shader: Shader): void {
    const d = this.density;
    const i0 = Math.max(0, Math.ceil(x0 * d - 0.5));
    const i1 = Math.min(this.width - 1, Math.floor(x1 * d - 0.5));
    const j0 = Math.max(0, Math.ceil(y0 * d - 0.5));
    const j1 = Math.min(this.height - 1, Math.floor(y1 * d - 0.5));
    const out = this.out;
    for (let j = j0; j <= j1; j++) {
      const y = (j + 0.5) / d;
      for (let i = i0; i <= i1; i++) {
        const a = shader((i + 0.5) / d, y, out);
        if (!(a > 0)) continue;
        const k = (j * this.width + i) * 3;
        const b = a >= 1 ? 1 : a;
        this.data[k] += (out[0] - this.data[k]) * b;
        this.data[k + 1] += (out[1] - this.data[k + 1]) * b;
        this.data[k + 2] += (out[2] - this.data[k + 2]) * b;
      }
    }
  }

  /** Paints the whole surface. */
  fill(shader: Shader): void {
    this.paint(0, 0, this.widthM + 1, this.heightM + 1, shader);
  }

  toTexture(): Texture {
    const data = new Uint8Array(this.data.length);
    for (let i = 0; i < data.length; i++) data[i] = Math.min(255, Math.max(0, Math.round(this.data[i])));
    return { width: this.width, height: this.height, density: this.density, data };
  }
}

/** a + (b - a) * t per channel, into `out`. */
export function mixInto(out: Float64Array, a: Rgb, b: Rgb, t: number): void {
  out[0] = a[0] + (b[0] - a[0]) * t;
  out[1] = a[1] + (b[1] - a[1]) * t;
  out[2] = a[2] + (b[2] - a[2]) * t;
}

/** Writes `c` scaled by `k` into `out`. */
export function setInto(out: Float64Array, c: Rgb, k = 1): void {
  out[0] = c[0] * k;
  out[1] = c[1] * k;
  out[2] = c[2] * k;
}
