/**
 * Axis-aligned boxes: conversions, IoU and non-maximum suppression, shared by the
 * grounder's evaluation, detection explanations (VPS, D-RISE) and the dashboard.
 * Boxes are [x0, y0, x1, y1] unless a name says cxcywh.
 */
export type Box = readonly [number, number, number, number];

export const cxcywhToXyxy = (cx: number, cy: number, w: number, h: number): Box => [cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2];

export const xyxyToCxcywh = (b: Box): Box => [(b[0] + b[2]) / 2, (b[1] + b[3]) / 2, b[2] - b[0], b[3] - b[1]];

export const boxArea = (b: Box): number => Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);

export function iou(a: Box, b: Box): number {
  const iw = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const ih = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (iw <= 0 || ih <= 0) return 0;
  const inter = iw * ih;
  return inter / (boxArea(a) + boxArea(b) - inter);
}

/**
 * Regions: the part of a model's input a picture fills (normalised [x0, y0, x1, y1]; OWLv2
 * pads pictures to a square, so a wide one fills [0, 0, 1, h/w]). A box normalised to the
 * picture, placed in the input's coordinates, and back.
 */
export const boxIntoRegion = (b: Box, r: Box): Box => [r[0] + b[0] * (r[2] - r[0]), r[1] + b[1] * (r[3] - r[1]), r[0] + b[2] * (r[2] - r[0]), r[1] + b[3] * (r[3] - r[1])];
export const boxFromRegion = (b: Box, r: Box): Box => [(b[0] - r[0]) / (r[2] - r[0]), (b[1] - r[1]) / (r[3] - r[1]), (b[2] - r[0]) / (r[2] - r[0]), (b[3] - r[1]) / (r[3] - r[1])];

export const scaleBox = (b: Box, sx: number, sy: number): Box => [b[0] * sx, b[1] * sy, b[2] * sx, b[3] * sy];

/**
 * Greedy non-maximum suppression: indices of the kept boxes, best score first. A box is
 * dropped when it overlaps an already kept one by more than `iouThreshold`.
 */
export function nms(boxes: readonly Box[], scores: ArrayLike<number>, iouThreshold: number, minScore = -Infinity): number[] {
  const order = [...boxes.keys()].filter((i) => scores[i] >= minScore).sort((i, j) => scores[j] - scores[i]);
  const kept: number[] = [];
  for (const i of order) {
    if (kept.every((k) => iou(boxes[i], boxes[k]) <= iouThreshold)) kept.push(i);
  }
  return kept;
}
