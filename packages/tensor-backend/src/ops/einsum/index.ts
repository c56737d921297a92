/** Einsum: its equation parser, shape rule and gradient. */
import type { OpFamily } from '../family.js';
import { einsumGrad } from './grad.js';
import { einsumShape } from './shape.js';

export const einsumOps: OpFamily = { shape: { Einsum: einsumShape }, grad: { Einsum: einsumGrad } };
