/** Data movement: reshapes, Transpose, Concat/Split, Slice, Expand/Tile, DepthToSpace/SpaceToDepth. */
import type { OpFamily } from '../family.js';
import { movementGrads } from './grad.js';
import { movementShapes } from './shape.js';

export const movementOps: OpFamily = { shape: movementShapes, grad: movementGrads };
