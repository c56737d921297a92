/** Convolutions: Conv and ConvTranspose (1-D, 2-D and 3-D, grouped). */
import type { OpFamily } from '../family.js';
import { convGrads } from './grad.js';
import { convShapes } from './shape.js';

export const convOps: OpFamily = { shape: convShapes, grad: convGrads };
