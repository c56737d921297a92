/**
 * NonMaxSuppression's shape rule. Its output size depends on the data, so it is only
 * accepted when its inputs are compile-time constants: the selection is computed here,
 * as onnxruntime computes it, and folded.
 */
import { build } from '../../shape/fold.js';
import type { InferContext, ShapeRule } from '../../shape/types.js';
import { toNumbers, type Tensor } from '../../tensor/tensor.js';

/** Intersection over union of two boxes given as [y1, x1, y2, x2] (any corner order) or [xc, yc, w, h]. */
function iou(a: readonly number[], b: readonly number[], center: boolean): number {
  const corners = (v: readonly number[]): number[] =>
    center
      ? [v[1] - v[3] / 2, v[0] - v[2] / 2, v[1] + v[3] / 2, v[0] + v[2] / 2]
      : [Math.min(v[0], v[2]), Math.min(v[1], v[3]), Math.max(v[0], v[2]), Math.max(v[1], v[3])];
  const [p, q] = [corners(a), corners(b)];
  const area = (r: number[]): number => (r[2] - r[0]) * (r[3] - r[1]);
  const inter = Math.max(0, Math.min(p[2], q[2]) - Math.max(p[0], q[0])) * Math.max(0, Math.min(p[3], q[3]) - Math.max(p[1], q[1]));
  const union = area(p) + area(q) - inter;
  return area(p) <= 0 || area(q) <= 0 || union <= 0 ? 0 : inter / union;
}

/**
 * The [batch, class, box] triples NonMaxSuppression selects, as onnxruntime orders them:
 * by batch, then class, then descending score (ties: lower box index first). A box is
 * kept when its score exceeds score_threshold and its IoU with every kept box of the
 * class is at most iou_threshold.
 */
function nmsSelect(ctx: InferContext): number[][] {
  const known = (i: number, what: string): Tensor | undefined => {
    if (!ctx.has(i)) return undefined;
    const v = ctx.value(i);
    if (!v) {
      return ctx.fail(
        `NonMaxSuppression's output size depends on its ${what} values, which are only known at run time; gradloc needs static shapes (it accepts NonMaxSuppression only on constant inputs)`,
      );
    }
    return v;
  };
  const boxes = toNumbers(known(0, 'boxes')!);
  const scores = known(1, 'scores')!;
  const [maxOut, iouMax, scoreMin] = [2, 3, 4].map((i, k) => known(i, ['max_output_boxes_per_class', 'iou_threshold', 'score_threshold'][k]));
  const limit = maxOut ? Number(maxOut.data[0]) : 0;
  const iouT = iouMax ? Number(iouMax.data[0]) : 0;
  const center = ctx.attrs.int('center_point_box', 0) === 1;
  const [batches, classes, spatial] = scores.dims;
  if (ctx.input(0).dims.join() !== [batches, spatial, 4].join()) ctx.fail(`boxes [${ctx.input(0).dims.join(', ')}] do not match scores [${scores.dims.join(', ')}]`);
  const s = toNumbers(scores);
  const picked: number[][] = [];
  for (let n = 0; n < batches; n++) {
    for (let c = 0; c < classes; c++) {
      const off = (n * classes + c) * spatial;
      const order = Array.from({ length: spatial }, (_, k) => k)
        .filter((k) => !scoreMin || s[off + k] > Number(scoreMin.data[0]))
        .sort((p, q) => s[off + q] - s[off + p] || p - q);
      const kept: number[] = [];
      const box = (k: number): number[] => boxes.slice((n * spatial + k) * 4, (n * spatial + k) * 4 + 4);
      for (const k of order) {
        if (kept.length >= limit) break;
        if (kept.every((j) => iou(box(j), box(k), center) <= iouT)) kept.push(k);
      }
      for (const k of kept) picked.push([n, c, k]);
    }
  }
  return picked;
}

export const nmsShape: ShapeRule = {
  infer: (ctx) => [{ dtype: 'int64', dims: [nmsSelect(ctx).length, 3] }],
  fold: (ctx) => {
    const picked = nmsSelect(ctx);
    return [build('int64', [picked.length, 3], ([i, j]) => BigInt(picked[i][j]))];
  },
};
