/** Linear algebra: MatMul, Gemm and Trilu (the triangle of a matrix). */
import type { OpFamily } from '../family.js';
import { linalgGrads } from './grad.js';
import { linalgShapes } from './shape.js';

export const linalgOps: OpFamily = { shape: linalgShapes, grad: linalgGrads };
