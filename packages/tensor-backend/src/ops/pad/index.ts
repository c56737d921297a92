/** Pad: constant, reflect, edge and wrap modes. */
import type { OpFamily } from '../family.js';
import { padGrad } from './grad.js';
import { padShape } from './shape.js';

export const padOps: OpFamily = { shape: { Pad: padShape }, grad: { Pad: padGrad } };
