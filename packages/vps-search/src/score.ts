/**
 * The score of a target detection on one (masked) image, as VPS and D-RISE define it:
 * max over predictions q of IoU(b_q, b_target) * score_q(target query).
 */
import { iou, type Box } from '@gradloc/tensor-backend';
import type { Predictions } from './detector/types.js';

export function targetScore(p: Predictions, box: Box): number {
  let best = 0;
  const n = p.scores.length;
  for (let q = 0; q < n; q++) {
    const s = p.scores[q];
    if (s <= best) continue; // IoU <= 1 cannot lift it above the best so far
    const o = 4 * q;
    const v = iou([p.boxes[o], p.boxes[o + 1], p.boxes[o + 2], p.boxes[o + 3]], box) * s;
    if (v > best) best = v;
  }
  return best;
}
