/**
 * Straight-through estimators in plain ONNX (Bengio et al. 2013): a value whose forward is a
 * hard, non-differentiable function of `x` and whose gradient is the identity to `x`. Spelled
 * `hard + (x - stop_gradient(x))`: `x - x` is exactly 0 in IEEE arithmetic, so the forward is
 * the hard value bit for bit (not `x + (hard - x)`, which rounds), and the autodiff sees only
 * the identity path through `x`.
 */
import type { GraphBuilder } from '../ir/builder.js';
import { ONNX_CODE, type DType } from '../tensor/dtype.js';
import { stopGradient } from './stop-gradient.js';

/** `hard` forward, gradient of `x` (hard must have x's shape and type). */
export function straightThrough(b: GraphBuilder, x: string, hard: string, name?: string): string {
  const zero = b.op('Sub', [x, stopGradient(b, x)]);
  return b.op('Add', [hard, zero], {}, name ? { outputs: [b.fresh(name)] } : {});
}

/**
 * 1 where `x <= threshold`, else 0, with the identity gradient: OFVL-MS's binarized sharing
 * score (a layer is shared while its score is at most 0.5).
 */
export function thresholdMask(b: GraphBuilder, x: string, threshold: number, dtype: DType = 'float32', name?: string): string {
  const hard = b.op('Cast', [b.op('LessOrEqual', [x, b.scalar(threshold, dtype, 'threshold')])], { to: ONNX_CODE[dtype] });
  return straightThrough(b, x, stopGradient(b, hard), name);
}
