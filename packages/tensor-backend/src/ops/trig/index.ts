/**
 * Trigonometric and hyperbolic functions and their inverses: same-type unary maps (not
 * folded: they never occur in shape subgraphs), each gradient dy times the derivative.
 */
import type { GradContext } from '../../autodiff/types.js';
import { sameAsInput } from '../../shape/elementwise.js';
import { sameRule, unaryGrad, type OpFamily } from '../family.js';

/** x^2 of the input. */
const xSquared = (ctx: GradContext): string => ctx.mul(ctx.x[0], ctx.x[0]);

export const trigOps: OpFamily = {
  shape: sameRule(['Sin', 'Cos', 'Tan', 'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'Asinh', 'Acosh', 'Atanh'], sameAsInput),
  grad: {
    Sin: unaryGrad((ctx, dy) => ctx.mul(dy, ctx.cos(ctx.x[0]))),
    Cos: unaryGrad((ctx, dy) => ctx.mul(dy, ctx.neg(ctx.sin(ctx.x[0])))),
    // tan' = 1 + tan^2, from the output
    Tan: unaryGrad((ctx, dy) => ctx.mul(dy, ctx.add(ctx.mul(ctx.y[0], ctx.y[0]), ctx.scalar(1)))),
    Sinh: unaryGrad((ctx, dy) => ctx.mul(dy, ctx.cosh(ctx.x[0]))),
    Cosh: unaryGrad((ctx, dy) => ctx.mul(dy, ctx.sinh(ctx.x[0]))),
    // inverse functions: 1 / (1 + x^2), +-1 / sqrt(1 - x^2), 1 / sqrt(x^2 +- 1), 1 / (1 - x^2)
    Atan: unaryGrad((ctx, dy) => ctx.div(dy, ctx.add(xSquared(ctx), ctx.scalar(1)))),
    Asin: unaryGrad((ctx, dy) => ctx.div(dy, ctx.sqrt(ctx.sub(ctx.scalar(1), xSquared(ctx))))),
    Acos: unaryGrad((ctx, dy) => ctx.div(ctx.neg(dy), ctx.sqrt(ctx.sub(ctx.scalar(1), xSquared(ctx))))),
    Asinh: unaryGrad((ctx, dy) => ctx.div(dy, ctx.sqrt(ctx.add(xSquared(ctx), ctx.scalar(1))))),
    Acosh: unaryGrad((ctx, dy) => ctx.div(dy, ctx.sqrt(ctx.sub(xSquared(ctx), ctx.scalar(1))))),
    Atanh: unaryGrad((ctx, dy) => ctx.div(dy, ctx.sub(ctx.scalar(1), xSquared(ctx)))),
  },
};
