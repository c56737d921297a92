/**
 * Box-level targets for detection and grounding models (OWL-ViT-style outputs: per-prediction
 * logits [B, P, Q] and normalised (cx, cy, w, h) boxes [B, P, 4]), as D-RISE and Visual
 * Precision Search score a detection.
 */
import { cxcywhToXyxy, GradlocError, iou, tensor } from '@gradloc/tensor-backend';
import { need, type CamTarget, type Outputs } from './target.js';

export interface BoxTargetOptions {
  /** Per-(patch or anchor, query) logits [B, P, Q]. */
  readonly logits: string;
  /** Boxes [B, P, 4] as normalised (cx, cy, w, h) (OWL-ViT's pred_boxes). */
  readonly boxes: string;
  readonly query: number;
  /** The box to explain, normalised (x0, y0, x1, y1), for every batch item. */
  readonly box: readonly [number, number, number, number];
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/**
 * A detection's score for box-level explanations (D-RISE / VPS style): over the predictions p,
 * max IoU(box_p, box) * sigmoid(logit[p, query]). The seed is that score's derivative at the
 * winning prediction w.r.t. its logit (the IoU taken as a constant).
 */
export function boxTarget(o: BoxTargetOptions): CamTarget {
  /** Per item: the winning prediction, its IoU with the box, and the score. */
  const best = (outputs: Outputs): { p: number[]; overlap: number[]; score: Float64Array; P: number; Q: number } => {
    const logits = need(outputs, o.logits);
    const boxes = need(outputs, o.boxes);
    const [B, P, Q] = logits.dims;
    if (o.query < 0 || o.query >= Q) throw new GradlocError('BAD_INPUT', `query ${o.query} is out of range for ${Q} queries`);
    const p: number[] = [];
    const overlap: number[] = [];
    const score = new Float64Array(B);
    for (let b = 0; b < B; b++) {
      let top = -1;
      for (let k = 0; k < P; k++) {
        const i = (b * P + k) * 4;
        const [cx, cy, w, h] = [0, 1, 2, 3].map((j) => Number(boxes.data[i + j]));
        const u = iou(cxcywhToXyxy(cx, cy, w, h), o.box);
        const v = u * sigmoid(Number(logits.data[(b * P + k) * Q + o.query]));
        if (v > top) {
          top = v;
          p[b] = k;
          overlap[b] = u;
        }
      }
      score[b] = Math.max(0, top);
    }
    return { p, overlap, score, P, Q };
  };
  const target: CamTarget = {
    output: o.logits,
    reads: [o.boxes],
    needsForward: true,
    description: `${o.logits} query ${o.query} at box [${o.box.join(',')}]`,
    seed(outputs, dims) {
      const { p, overlap, P, Q } = best(outputs);
      const logits = need(outputs, o.logits);
      const seed = tensor('float32', dims);
      p.forEach((k, b) => {
        const at = (b * P + k) * Q + o.query;
        const s = sigmoid(Number(logits.data[at]));
        (seed.data as Float32Array)[at] = overlap[b] * s * (1 - s);
      });
      return seed;
    },
    score: (outputs) => best(outputs).score,
    value: (outputs) => best(outputs).score,
    freeze: () => target,
    select: () => target,
  };
  return target;
}
