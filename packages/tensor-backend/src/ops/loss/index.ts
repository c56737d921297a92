/** Losses: SoftmaxCrossEntropyLoss and NegativeLogLikelihoodLoss. */
import type { OpFamily } from '../family.js';
import { lossGrads } from './grad.js';
import { lossShapes } from './shape.js';

export const lossOps: OpFamily = { shape: lossShapes, grad: lossGrads };
