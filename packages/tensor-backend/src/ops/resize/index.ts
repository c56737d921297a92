/** Resize and the deprecated Upsample. */
import { sameRule, type OpFamily } from '../family.js';
import { resizeGrad } from './grad.js';
import { resizeShape } from './shape.js';

export const resizeOps: OpFamily = {
  shape: sameRule(['Resize', 'Upsample'], resizeShape),
  grad: sameRule(['Resize', 'Upsample'], resizeGrad),
};
