/**
 * Object placement. Objects are placed one at a time on top of the earlier ones; a candidate
 * pose is rejected if it would leave an earlier object less than `minVisible` visible, so
 * occlusion happens but every label stays honest. A layout is redrawn when its largest object
 * does not beat the runner-up by `largestMargin`, so "the largest object" is well defined.
 */
import type { Rand } from '@gradloc/tensor-backend';
import { occlude, occlusionLoss } from './masks.js';
import type { ColourName } from './palette.js';
import { coverageArea, rasterize, type Coverage } from './rasterize.js';
import type { ResolvedShapesOptions } from './scene-options.js';
import { outlineOf, sampleDetail, shapeRotates, type ShapeName, type ShapePose } from './shape-geometry.js';

export interface PlacedObject {
  readonly shape: ShapeName;
  readonly colour: ColourName;
  readonly pose: ShapePose;
  readonly full: Coverage;
  readonly fullArea: number;
  /** Full coverage minus what later objects hide (updated as objects are added). */
  readonly visible: Coverage;
  visibleArea: number;
}

/** Poses tried per object before it is left out (the scene is crowded). */
const POSE_ATTEMPTS = 30;
/** Layouts tried before falling back to the largest object alone. */
const LAYOUT_ATTEMPTS = 30;

const pick = <T>(items: readonly T[], rand: Rand): T => items[Math.floor(rand() * items.length)];

function candidate(shape: ShapeName, colour: ColourName, rand: Rand, o: ResolvedShapesOptions): PlacedObject {
  const scale = o.size / 96;
  const radius = ((o.minObjectSize + (o.maxObjectSize - o.minObjectSize) * rand()) * scale) / 2;
  const detail = sampleDetail(shape, rand);
  const angle = shapeRotates(shape) ? 2 * Math.PI * rand() : 0;
  const outline = outlineOf(shape, detail);
  // Whole objects only: the frame edge never cuts one, so visibleFraction measures occlusion alone.
  const reach = Math.min(outline.extent * radius, o.size / 2);
  const cx = reach + (o.size - 2 * reach) * rand();
  const cy = reach + (o.size - 2 * reach) * rand();
  const pose: ShapePose = { cx, cy, radius, angle, detail };
  const full = rasterize(outline, pose, o.size, o.size);
  const fullArea = coverageArea(full);
  return { shape, colour, pose, full, fullArea, visible: { ...full, data: full.data.slice() }, visibleArea: fullArea };
}

function fits(c: PlacedObject, placed: readonly PlacedObject[], minVisible: number): boolean {
  return placed.every((p) => p.visibleArea - occlusionLoss(p.visible, c.full) >= minVisible * p.fullArea);
}

function placeObjects(count: number, rand: Rand, o: ResolvedShapesOptions): PlacedObject[] {
  const placed: PlacedObject[] = [];
  for (let k = 0; k < count; k++) {
    // Labels are drawn once per object, poses per attempt: rejection never skews the label mix.
    const shape = pick(o.shapes, rand);
    const colour = pick(o.colours, rand);
    for (let attempt = 0; attempt < POSE_ATTEMPTS; attempt++) {
      const c = candidate(shape, colour, rand, o);
      if (!fits(c, placed, o.minVisible)) continue;
      for (const p of placed) {
        occlude(p.visible, c.full);
        p.visibleArea = coverageArea(p.visible);
      }
      placed.push(c);
      break;
    }
  }
  return placed;
}

/** Index of the largest visible area, or -1 if it does not beat the runner-up by `margin`. */
export function clearLargest(areas: readonly number[], margin: number): number {
  let best = -1;
  let second = -Infinity;
  for (let i = 0; i < areas.length; i++) {
    if (best < 0 || areas[i] > areas[best]) {
      if (best >= 0) second = areas[best];
      best = i;
    } else if (areas[i] > second) second = areas[i];
  }
  return best >= 0 && areas[best] >= margin * second ? best : -1;
}

/** Objects in drawing order, honouring minVisible, minObjects (when possible) and largestMargin. */
export function layoutObjects(rand: Rand, o: ResolvedShapesOptions): PlacedObject[] {
  const count = o.minObjects + Math.floor(rand() * (o.maxObjects - o.minObjects + 1));
  let placed: PlacedObject[] = [];
  for (let attempt = 0; attempt < LAYOUT_ATTEMPTS; attempt++) {
    placed = placeObjects(count, rand, o);
    if (placed.length >= o.minObjects && clearLargest(placed.map((p) => p.visibleArea), o.largestMargin) >= 0) return placed;
  }
  // Practically unreachable with the defaults; a lone object always has a clear largest.
  const lone = placed.length > 0 ? placed : placeObjects(1, rand, o);
  const best = lone.reduce((a, b) => (b.fullArea > a.fullArea ? b : a));
  return [{ ...best, visible: { ...best.full, data: best.full.data.slice() }, visibleArea: best.fullArea }];
}
