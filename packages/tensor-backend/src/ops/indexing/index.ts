/** Indexing: Gather/GatherElements, the scatters, TopK and the index producers (ArgMax, ArgMin, NonZero, OneHot, NonMaxSuppression). */
import type { OpFamily } from '../family.js';
import { indexingGrads, indexingNondifferentiable } from './grad.js';
import { indexingShapes } from './shape.js';

export const indexingOps: OpFamily = { shape: indexingShapes, grad: indexingGrads, nondifferentiable: indexingNondifferentiable };
