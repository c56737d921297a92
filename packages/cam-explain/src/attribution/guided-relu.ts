/**
 * Guided backprop's ReLU (Springenberg et al. 2015) as a per-call rule override: the gradient
 * passes only where the ReLU's input AND the incoming gradient are positive. Handed to the
 * engine for one vjp; the registry's Relu rule stays as it is.
 */
import type { GradRule, RuleOverrides } from '@gradloc/tensor-backend';

const guidedRelu: GradRule = (ctx) => {
  const { b } = ctx;
  const dy = ctx.dy[0]!;
  const zero = ctx.scalar(0);
  const positive = (t: string): string => b.op('Greater', [t, zero]);
  return [b.op('Where', [b.op('And', [positive(ctx.x[0]), positive(dy)]), dy, zero])];
};

export const guidedReluOverrides: RuleOverrides = { Relu: guidedRelu };
