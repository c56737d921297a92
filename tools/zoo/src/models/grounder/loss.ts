/**
 * The grounder's training loss, in the graph so one gradient session computes it:
 * sigmoid focal loss over every (patch, query) pair (common/focal-loss.ts)
 * plus, on the patches assigned to an object, L1 and generalised-IoU box losses
 * (Rezatofighi et al. 2019), weighted 1 : 5 : 2 as in DETR/OWL-ViT. The focal term is divided
 * by the number of class targets (one per assigned object), the box terms by the number of
 * patches with a box target (targets.ts also teaches the centre's neighbours the box).
 *
 * Extra inputs: cls_targets [B, P, Q] (1 where patch p shows an object query q names),
 * box_targets [B, P, 4] (cx, cy, w, h), box_weights [B, P] (1 on patches with a box target).
 */
import type { Net } from '@gradloc/tensor-backend';
import type { GrounderGraph } from './architecture.js';
import { sigmoidFocalSum } from '../common/focal-loss.js';

export const LOSS_WEIGHTS = { cls: 1, l1: 5, giou: 2 } as const;

export function addGrounderLoss(g: GrounderGraph): string {
  const { net } = g;
  const { b, emit } = net;
  const op = (type: string, inputs: string[], attrs = {}): string => b.op(type, inputs, attrs);
  const c = (v: number): string => net.scalar(v);
  const P = g.patches;
  const y = b.input('cls_targets', 'float32', ['batch', P, 'queries']);
  const tgt = b.input('box_targets', 'float32', ['batch', P, 4]);
  const w = b.input('box_weights', 'float32', ['batch', P]);
  const numObjects = op('Max', [emit.reduceSum(y, [], false), c(1)]);
  const numBoxes = op('Max', [emit.reduceSum(w, [], false), c(1)]);

  const cls = op('Div', [sigmoidFocalSum(net, g.logits, y), numObjects]);

  const w3 = emit.unsqueeze(w, [2]);
  const l1 = op('Div', [emit.reduceSum(op('Mul', [op('Abs', [op('Sub', [g.boxes, tgt])]), w3]), [], false), numBoxes]);
  const giou = op('Div', [emit.reduceSum(op('Mul', [op('Sub', [c(1), generalizedIoU(net, g.boxes, tgt)]), w]), [], false), numBoxes]);

  const total = op('Add', [op('Add', [op('Mul', [cls, c(LOSS_WEIGHTS.cls)]), op('Mul', [l1, c(LOSS_WEIGHTS.l1)])]), op('Mul', [giou, c(LOSS_WEIGHTS.giou)])]);
  b.op('Identity', [total], {}, { outputs: ['loss'] });
  b.output('loss', 'float32', []);
  return 'loss';
}

/** GIoU of two [..., 4] (cx, cy, w, h) box tensors -> [...]. */
function generalizedIoU(net: Net, a: string, bBox: string): string {
  const { b, emit } = net;
  const op = (type: string, inputs: string[]): string => b.op(type, inputs);
  const half = net.scalar(0.5);
  const corners = (box: string): [string, string, string, string] => {
    const [cx, cy, w, h] = emit.split(box, [1, 1, 1, 1], -1);
    const hw = op('Mul', [w, half]);
    const hh = op('Mul', [h, half]);
    return [op('Sub', [cx, hw]), op('Sub', [cy, hh]), op('Add', [cx, hw]), op('Add', [cy, hh])];
  };
  const area = (x0: string, y0: string, x1: string, y1: string): string => op('Mul', [op('Sub', [x1, x0]), op('Sub', [y1, y0])]);
  const [ax0, ay0, ax1, ay1] = corners(a);
  const [bx0, by0, bx1, by1] = corners(bBox);
  const iw = op('Relu', [op('Sub', [op('Min', [ax1, bx1]), op('Max', [ax0, bx0])])]);
  const ih = op('Relu', [op('Sub', [op('Min', [ay1, by1]), op('Max', [ay0, by0])])]);
  const inter = op('Mul', [iw, ih]);
  const union = op('Sub', [op('Add', [area(ax0, ay0, ax1, ay1), area(bx0, by0, bx1, by1)]), inter]);
  const hull = area(op('Min', [ax0, bx0]), op('Min', [ay0, by0]), op('Max', [ax1, bx1]), op('Max', [ay1, by1]));
  const eps = net.scalar(1e-7);
  const iou = op('Div', [inter, op('Add', [union, eps])]);
  const giou = op('Sub', [iou, op('Div', [op('Sub', [hull, union]), op('Add', [hull, eps])])]);
  return emit.squeeze(giou, [-1]);
}
