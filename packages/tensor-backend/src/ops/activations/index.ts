/** Activations: Relu and its relatives, sigmoid/tanh, the Gelus, Clip, PRelu. */
import type { OpFamily } from '../family.js';
import { activationGrads } from './grad.js';
import { activationShapes } from './shape.js';

export const activationOps: OpFamily = { shape: activationShapes, grad: activationGrads };
