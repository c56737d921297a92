/** Pools: MaxPool, AveragePool, LpPool (shape only) and the global pools. */
import type { OpFamily } from '../family.js';
import { poolGrads } from './grad.js';
import { poolShapes } from './shape.js';

export const poolOps: OpFamily = { shape: poolShapes, grad: poolGrads };
