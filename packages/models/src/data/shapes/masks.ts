/**
 * Occlusion bookkeeping. An object's visible coverage is its own coverage times (1 - coverage)
 * of every object drawn after it; the generator and visibleMasks share these helpers so the
 * labels (areas, boxes) and any re-rendered mask agree exactly.
 */
import { forOverlap, rasterize, type Coverage } from './rasterize.js';
import type { SceneBox, SceneAnnotation, SceneObject } from './scene-types.js';
import { outlineOf } from './shape-geometry.js';

/** Visible area `visible` would lose if `over` were drawn on top of it. */
export function occlusionLoss(visible: Coverage, over: Coverage): number {
  let lost = 0;
  forOverlap(visible, over, (iv, io) => {
    lost += visible.data[iv] * over.data[io];
  });
  return lost;
}

/** Removes from `visible` (in place) what `over`, drawn on top of it, hides. */
export function occlude(visible: Coverage, over: Coverage): void {
  forOverlap(visible, over, (iv, io) => {
    visible.data[iv] *= 1 - over.data[io];
  });
}

/** Pixels counted as the object's for its box: covered at least half. */
export const BOX_THRESHOLD = 0.5;

/** Tight box of the pixels with coverage >= BOX_THRESHOLD, or null if there are none. */
export function maskBox(cov: Coverage): SceneBox | null {
  const w = cov.x1 - cov.x0;
  let x0 = Infinity;
  let y0 = Infinity;
  let x1 = -Infinity;
  let y1 = -Infinity;
  for (let i = 0; i < cov.data.length; i++) {
    if (cov.data[i] < BOX_THRESHOLD) continue;
    const x = cov.x0 + (i % w);
    const y = cov.y0 + Math.floor(i / w);
    if (x < x0) x0 = x;
    if (x >= x1) x1 = x + 1;
    if (y < y0) y0 = y;
    if (y >= y1) y1 = y + 1;
  }
  return x0 === Infinity ? null : [x0, y0, x1, y1];
}

/** Full (unoccluded) coverage of an object, re-rendered from its pose. */
export const objectCoverage = (obj: Pick<SceneObject, 'shape' | 'pose'>, width: number, height: number): Coverage =>
  rasterize(outlineOf(obj.shape, obj.pose.detail), obj.pose, width, height);

/** Visible coverage of every object of a scene (in `objects` order), bbox-local. */
export function visibleCoverages(scene: SceneAnnotation): Coverage[] {
  const full = scene.objects.map((o) => objectCoverage(o, scene.width, scene.height));
  return full.map((cov, i) => {
    const vis: Coverage = { ...cov, data: cov.data.slice() };
    for (let j = i + 1; j < full.length; j++) occlude(vis, full[j]);
    return vis;
  });
}

/** A bbox-local coverage spread over a whole height x width frame (zeros outside). */
export function toFrame(cov: Coverage, width: number, height: number): Float32Array {
  const out = new Float32Array(width * height);
  const w = cov.x1 - cov.x0;
  for (let y = cov.y0; y < cov.y1; y++) out.set(cov.data.subarray((y - cov.y0) * w, (y - cov.y0 + 1) * w), y * width + cov.x0);
  return out;
}

/** Visible masks of every object as full frames (row-major height x width, values 0..1). */
export const visibleMasks = (scene: SceneAnnotation): Float32Array[] =>
  visibleCoverages(scene).map((c) => toFrame(c, scene.width, scene.height));
