/** Element-wise arithmetic, rounding, selection and pass-through ops. */
import type { OpFamily } from '../family.js';
import { elementwiseGrads, elementwiseNondifferentiable } from './grad.js';
import { elementwiseShapes } from './shape.js';

export const elementwiseOps: OpFamily = {
  shape: elementwiseShapes,
  grad: elementwiseGrads,
  nondifferentiable: elementwiseNondifferentiable,
};
