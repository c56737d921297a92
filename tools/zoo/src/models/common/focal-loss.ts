/**
 * Sigmoid focal loss (Lin et al. 2017; alpha 0.25, gamma 2), summed over every element:
 * ce * (1 - p_t)^2 * alpha_t with ce = softplus(x) - x y, the stable BCE with logits.
 * The grounder's query logits and shapes-clip's auxiliary patch head both use it; callers
 * divide by their own normaliser (the number of positive targets).
 */
import { tensor, type Emit, type GraphBuilder } from '@gradloc/tensor-backend';

const ALPHA = 0.25;

/** Summed focal loss of logits x against 0/1 targets y (same shape). */
export function sigmoidFocalSum(g: { readonly b: GraphBuilder; readonly emit: Emit }, x: string, y: string): string {
  const { b, emit } = g;
  const op = (type: string, inputs: string[]): string => b.op(type, inputs);
  const c = (v: number): string => b.constant(tensor('float32', [], [v]), 'focal_const');
  const p = op('Sigmoid', [x]);
  const ce = op('Sub', [op('Softplus', [x]), op('Mul', [x, y])]);
  const pT = op('Add', [op('Mul', [p, y]), op('Mul', [op('Sub', [c(1), p]), op('Sub', [c(1), y])])]);
  const mod = op('Pow', [op('Sub', [c(1), pT]), c(2)]);
  const alphaT = op('Add', [op('Mul', [y, c(2 * ALPHA - 1)]), c(1 - ALPHA)]); // alpha y + (1 - alpha)(1 - y)
  return emit.reduceSum(op('Mul', [op('Mul', [ce, mod]), alphaT]), [], false);
}
