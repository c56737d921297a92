/**
 * Constants and shapes: Shape, Size, Constant, ConstantOfShape, Range. Their outputs are
 * shapes, sizes or constants: no gradient flows through them.
 */
import type { OpFamily } from '../family.js';
import { constantShapes } from './shape.js';

export const constantOps: OpFamily = {
  shape: constantShapes,
  nondifferentiable: ['Shape', 'Size', 'ConstantOfShape', 'Range', 'Constant'],
};
