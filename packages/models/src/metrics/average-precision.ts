/**
 * Average precision at one IoU threshold (AP@0.5 = PASCAL VOC's criterion), all-point
 * interpolated: detections of all images are ranked by score; each is a true positive when
 * it overlaps a not-yet-matched ground-truth box of its image by >= the threshold (greedy,
 * best score first), else a false positive; AP is the area under the monotone precision
 * envelope of the precision-recall curve.
 */
import { iou, type Box } from '@gradloc/tensor-backend';

export interface Detection {
  readonly image: number;
  readonly box: Box;
  readonly score: number;
}

export function averagePrecision(detections: readonly Detection[], truth: ReadonlyMap<number, readonly Box[]>, iouThreshold = 0.5): number {
  let total = 0;
  for (const boxes of truth.values()) total += boxes.length;
  if (total === 0) return Number.NaN;
  const matched = new Map<number, boolean[]>([...truth.entries()].map(([k, v]) => [k, v.map(() => false)]));
  const ranked = [...detections].sort((a, b) => b.score - a.score);
  const precision: number[] = [];
  const recall: number[] = [];
  let tp = 0;
  let fp = 0;
  for (const d of ranked) {
    const gts = truth.get(d.image) ?? [];
    const used = matched.get(d.image) ?? [];
    let best = -1;
    let bestIou = iouThreshold;
    gts.forEach((g, i) => {
      const o = iou(d.box, g);
      if (!used[i] && o >= bestIou) {
        best = i;
        bestIou = o;
      }
    });
    if (best >= 0) {
      used[best] = true;
      tp++;
    } else fp++;
    precision.push(tp / (tp + fp));
    recall.push(tp / total);
  }
  // precision envelope from the right, then sum precision over recall steps
  for (let i = precision.length - 2; i >= 0; i--) precision[i] = Math.max(precision[i], precision[i + 1]);
  let ap = 0;
  let prevRecall = 0;
  for (let i = 0; i < recall.length; i++) {
    ap += (recall[i] - prevRecall) * precision[i];
    prevRecall = recall[i];
  }
  return ap;
}
