/**
 * `shapes` scenes: a textured muted background, 1-4 coloured shapes placed with honest
 * occlusion (layout.ts), per-object colour jitter and shading, then per-pixel noise. Every
 * random draw comes from one mulberry32 stream seeded by the scene seed, so a seed always
 * reproduces the same bytes.
 */
import { rng, type Rand } from '@gradloc/tensor-backend';
import { paintBackground } from './backgrounds.js';
import { objectPhrases, sceneCaptions } from './captions.js';
import { clearLargest, layoutObjects, type PlacedObject } from './layout.js';
import { maskBox } from './masks.js';
import { jitteredColour, type Rgb } from './palette.js';
import { coverageArea } from './rasterize.js';
import { resolveShapesOptions, type ResolvedShapesOptions, type ShapesOptions } from './scene-options.js';
import type { Scene, SceneObject } from './scene-types.js';

/** Largest relative brightness change across an object: a hint of lighting, not a new colour. */
const SHADING = 0.1;

/** Blends one object's fill, with a linear shading ramp, over the CHW image. */
function drawObject(image: Float32Array, size: number, p: PlacedObject, rand: Rand): Rgb {
  const fill = jitteredColour(p.colour, rand);
  const dir = 2 * Math.PI * rand();
  const g = (SHADING * (2 * rand() - 1)) / Math.max(1, p.pose.radius * 1.5);
  const gx = g * Math.cos(dir);
  const gy = g * Math.sin(dir);
  const { x0, y0, x1, y1, data } = p.full;
  const w = x1 - x0;
  const plane = size * size;
  for (let y = y0; y < y1; y++) {
    for (let x = x0; x < x1; x++) {
      const a = data[(y - y0) * w + (x - x0)];
      if (a === 0) continue;
      const f = 1 + gx * (x + 0.5 - p.pose.cx) + gy * (y + 0.5 - p.pose.cy);
      const i = y * size + x;
      for (let ch = 0; ch < 3; ch++) {
        const k = ch * plane + i;
        image[k] += (Math.min(1, fill[ch] * f) - image[k]) * a;
      }
    }
  }
  return fill;
}

/** Adds zero-mean noise of a per-scene strength and clamps to [0, 1]. */
function addNoise(image: Float32Array, maxStd: number, rand: Rand): void {
  // Triangular noise: the sum of two uniform bytes, centred and scaled to the drawn std. One
  // 32-bit draw feeds two pixels; this loop was most of the generator's time with float draws,
  // and 8-bit steps are finer than the 8-bit images the scenes end up as anyway.
  const amp = (maxStd * rand() * Math.sqrt(6)) / 255;
  const noisy = (i: number, a: number, b: number): void => {
    const v = image[i] + amp * (a + b - 255);
    image[i] = v < 0 ? 0 : v > 1 ? 1 : v;
  };
  for (let i = 0; i < image.length; i += 2) {
    const bits = (rand() * 4294967296) >>> 0;
    noisy(i, bits & 255, (bits >>> 8) & 255);
    if (i + 1 < image.length) noisy(i + 1, (bits >>> 16) & 255, bits >>> 24);
  }
}

/** generateScene with options already resolved, drawing into `image` (3 x size x size). */
export function renderScene(seed: number, o: ResolvedShapesOptions, image = new Float32Array(3 * o.size * o.size)): Scene {
  const rand = rng(seed);
  const size = o.size;
  const background = o.backgrounds[Math.floor(rand() * o.backgrounds.length)];
  paintBackground(background, rand, size, size, image);
  const placed = layoutObjects(rand, o);
  const objects: SceneObject[] = placed.map((p) => {
    const fill = drawObject(image, size, p, rand);
    const area = coverageArea(p.visible);
    return {
      shape: p.shape,
      colour: p.colour,
      box: maskBox(p.visible) ?? maskBox(p.full) ?? [0, 0, 0, 0],
      visibleFraction: p.fullArea > 0 ? area / p.fullArea : 0,
      area,
      pose: p.pose,
      fill,
      phrases: objectPhrases(p.shape, p.colour),
    };
  });
  addNoise(image, o.noise, rand);
  const captions = sceneCaptions(objects);
  const largest = Math.max(0, clearLargest(objects.map((ob) => ob.area), 1));
  return { seed, width: size, height: size, background, objects, largest, caption: captions[0], captions, image };
}

/**
 * One scene from a seed (any uint32). The image is CHW float32 in [0, 1]; see Scene for the
 * annotations. Pure: the same seed and options give the same bytes (on a given Node major:
 * JS leaves the last bit of Math.sin/cos to the engine, and rotations use them).
 */
export const generateScene = (seed: number, opts?: ShapesOptions): Scene => renderScene(seed, resolveShapesOptions(opts));
