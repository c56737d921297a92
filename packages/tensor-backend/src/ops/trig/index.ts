/**
 * Trigonometric and hyperbolic functions and their inverses: same-type unary maps (not
 * folded: they never occur in shape subgraphs), each gradient dy times the derivative.
 */
import type { GradContext } from '../../autodiff/types.js';
import { sameAsInput } from '../../shape/elementwise.js';
import { sameRule, unaryGrad, type OpFamily } from '../family.js';

const op = (ctx: GradContext, type: string, ...inputs: string[]): string => ctx.b.op(type, inputs);
const xSquared = (ctx: GradContext): string => op(ctx, 'Mul', ctx.x[0], ctx.x[0]);

export const trigOps: OpFamily = {
  shape: sameRule(['Sin', 'Cos', 'Tan', 'Asin', 'Acos', 'Atan', 'Sinh', 'Cosh', 'Asinh', 'Acosh', 'Atanh'], sameAsInput),
  grad: {
    Sin: unaryGrad((ctx, dy) => op(ctx, 'Mul', dy, op(ctx, 'Cos', ctx.x[0]))),
    Cos: unaryGrad((ctx, dy) => op(ctx, 'Mul', dy, op(ctx, 'Neg', op(ctx, 'Sin', ctx.x[0])))),
    // tan' = 1 + tan^2, from the output
    Tan: unaryGrad((ctx, dy) => op(ctx, 'Mul', dy, op(ctx, 'Add', op(ctx, 'Mul', ctx.y[0], ctx.y[0]), ctx.scalar(1)))),
    Sinh: unaryGrad((ctx, dy) => op(ctx, 'Mul', dy, op(ctx, 'Cosh', ctx.x[0]))),
    Cosh: unaryGrad((ctx, dy) => op(ctx, 'Mul', dy, op(ctx, 'Sinh', ctx.x[0]))),
    // inverse functions: 1 / (1 + x^2), +-1 / sqrt(1 - x^2), 1 / sqrt(x^2 +- 1), 1 / (1 - x^2)
    Atan: unaryGrad((ctx, dy) => op(ctx, 'Div', dy, op(ctx, 'Add', xSquared(ctx), ctx.scalar(1)))),
    Asin: unaryGrad((ctx, dy) => op(ctx, 'Div', dy, op(ctx, 'Sqrt', op(ctx, 'Sub', ctx.scalar(1), xSquared(ctx))))),
    Acos: unaryGrad((ctx, dy) => op(ctx, 'Div', op(ctx, 'Neg', dy), op(ctx, 'Sqrt', op(ctx, 'Sub', ctx.scalar(1), xSquared(ctx))))),
    Asinh: unaryGrad((ctx, dy) => op(ctx, 'Div', dy, op(ctx, 'Sqrt', op(ctx, 'Add', xSquared(ctx), ctx.scalar(1))))),
    Acosh: unaryGrad((ctx, dy) => op(ctx, 'Div', dy, op(ctx, 'Sqrt', op(ctx, 'Sub', xSquared(ctx), ctx.scalar(1))))),
    Atanh: unaryGrad((ctx, dy) => op(ctx, 'Div', dy, op(ctx, 'Sub', ctx.scalar(1), xSquared(ctx)))),
  },
};
