/**
 * The grounder's per-patch training targets. Every step scores all 42 colour + shape phrases
 * (GROUNDER_QUERIES of @gradloc/models), so query index q means the same combination in
 * training and evaluation.
 */
import { float32, xyxyToCxcywh, type Box, type Tensor } from '@gradloc/tensor-backend';
import { GROUNDER_QUERIES, queryIndex, type SceneAnnotation } from '@gradloc/models';

/** A scene box (pixels, x1/y1 exclusive) as (cx, cy, w, h) in [0, 1]. */
export function normalizedBox(box: Box, width: number, height: number): [number, number, number, number] {
  const [cx, cy, w, h] = xyxyToCxcywh(box);
  return [cx / width, cy / height, w / width, h / height];
}

export interface GrounderTargets {
  /** [B, P, Q]: 1 where patch p holds the centre of an object query q names. */
  readonly cls_targets: Tensor<'float32'>;
  /** [B, P, 4]: that object's normalised (cx, cy, w, h); zeros elsewhere. */
  readonly box_targets: Tensor<'float32'>;
  /** [B, P]: 1 on patches with a box target (centre patches and their neighbours inside the box). */
  readonly box_weights: Tensor<'float32'>;
}

/**
 * Centre assignment (as in CenterNet, rather than OWL-ViT's Hungarian matching, which needs
 * the predictions): each object goes to the patch of a `grid` x `grid` layout (row-major, the
 * ViT's token order) that contains its box centre, which gets the class target of its query
 * and its box. When two objects fall into one patch, the one with more visible pixels keeps
 * it, so a patch never has two box targets; the other then has no class target in that image.
 *
 * Box targets also go to the centre patch's 8 neighbours whose centres lie inside the object's
 * box (objects with more visible pixels first, never over a patch already assigned): at test
 * time a neighbour of the centre often scores highest, and a box it was never taught to predict
 * fails IoU 0.5 even when the patch is on the right object (10% of present queries in the first
 * shipped run).
 */
export function grounderTargets(scenes: readonly SceneAnnotation[], grid: number): GrounderTargets {
  const P = grid * grid;
  const Q = GROUNDER_QUERIES.length;
  const cls = new Float32Array(scenes.length * P * Q);
  const boxes = new Float32Array(scenes.length * P * 4);
  const weights = new Float32Array(scenes.length * P);
  const cell = (v: number): number => Math.min(grid - 1, Math.max(0, Math.floor(v * grid)));
  scenes.forEach((scene, b) => {
    type SceneObject = SceneAnnotation['objects'][number];
    const owner = new Map<number, SceneObject>();
    const centreOf = new Map<SceneObject, [number, number]>();
    for (const o of scene.objects) {
      const [cx, cy] = normalizedBox(o.box, scene.width, scene.height);
      const [row, col] = [cell(cy), cell(cx)];
      centreOf.set(o, [row, col]);
      const p = row * grid + col;
      const prev = owner.get(p);
      if (!prev || o.area > prev.area) owner.set(p, o);
    }
    const assignBox = (p: number, o: SceneObject): void => {
      const bp = b * P + p;
      boxes.set(normalizedBox(o.box, scene.width, scene.height), bp * 4);
      weights[bp] = 1;
    };
    for (const [p, o] of owner) {
      cls[(b * P + p) * Q + queryIndex(o.colour, o.shape)] = 1;
      assignBox(p, o);
    }
    const inside = (o: SceneObject, row: number, col: number): boolean => {
      const [x, y] = [((col + 0.5) / grid) * scene.width, ((row + 0.5) / grid) * scene.height];
      return x >= o.box[0] && x < o.box[2] && y >= o.box[1] && y < o.box[3];
    };
    for (const o of [...scene.objects].sort((a, c) => c.area - a.area)) {
      const [row, col] = centreOf.get(o)!;
      for (let r = row - 1; r <= row + 1; r++) {
        for (let c = col - 1; c <= col + 1; c++) {
          if (r < 0 || c < 0 || r >= grid || c >= grid || weights[b * P + r * grid + c] || !inside(o, r, c)) continue;
          assignBox(r * grid + c, o);
        }
      }
    }
  });
  return {
    cls_targets: float32([scenes.length, P, Q], cls),
    box_targets: float32([scenes.length, P, 4], boxes),
    box_weights: float32([scenes.length, P], weights),
  };
}
