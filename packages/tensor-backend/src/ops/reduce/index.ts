/** Reductions: the Reduce* family, and CumSum (a running sum). */
import type { OpFamily } from '../family.js';
import { reduceGrads } from './grad.js';
import { reduceShapes } from './shape.js';

export const reduceOps: OpFamily = { shape: reduceShapes, grad: reduceGrads };
