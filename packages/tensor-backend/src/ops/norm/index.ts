/** Normalizations: Batch- (inference), Layer-, Instance- and GroupNormalization. */
import type { OpFamily } from '../family.js';
import { normGrads } from './grad.js';
import { normShapes } from './shape.js';

export const normOps: OpFamily = { shape: normShapes, grad: normGrads };
