/**
 * Gradients of ops seen in real exports beyond the core set: trigonometric and other unary
 * activations, PRelu, Instance- and GroupNormalization, DepthToSpace / SpaceToDepth and
 * Mod. NonMaxSuppression outputs indices and carries no gradient.
 */
import { groupNormParams } from '../../shape/ops/extra.js';
import { sizeOf } from '../../tensor/tensor.js';
import { defineGrad, nonDifferentiable } from '../registry.js';
import type { GradContext } from '../types.js';
import { defineUnary, floatMask } from './elementwise.js';

const op = (ctx: GradContext, type: string, ...inputs: string[]): string => ctx.b.op(type, inputs);
const xSquared = (ctx: GradContext): string => op(ctx, 'Mul', ctx.x[0], ctx.x[0]);

// ---- unary ----------------------------------------------------------------------------------

defineUnary('Sin', (ctx, dy) => op(ctx, 'Mul', dy, op(ctx, 'Cos', ctx.x[0])));
defineUnary('Cos', (ctx, dy) => op(ctx, 'Mul', dy, op(ctx, 'Neg', op(ctx, 'Sin', ctx.x[0]))));
// tan' = 1 + tan^2, from the output
defineUnary('Tan', (ctx, dy) => op(ctx, 'Mul', dy, op(ctx, 'Add', op(ctx, 'Mul', ctx.y[0], ctx.y[0]), ctx.scalar(1))));
defineUnary('Sinh', (ctx, dy) => op(ctx, 'Mul', dy, op(ctx, 'Cosh', ctx.x[0])));
defineUnary('Cosh', (ctx, dy) => op(ctx, 'Mul', dy, op(ctx, 'Sinh', ctx.x[0])));
// inverse functions: 1 / (1 + x^2), +-1 / sqrt(1 - x^2), 1 / sqrt(x^2 +- 1), 1 / (1 - x^2)
defineUnary('Atan', (ctx, dy) => op(ctx, 'Div', dy, op(ctx, 'Add', xSquared(ctx), ctx.scalar(1))));
defineUnary('Asin', (ctx, dy) => op(ctx, 'Div', dy, op(ctx, 'Sqrt', op(ctx, 'Sub', ctx.scalar(1), xSquared(ctx)))));
defineUnary('Acos', (ctx, dy) => op(ctx, 'Div', op(ctx, 'Neg', dy), op(ctx, 'Sqrt', op(ctx, 'Sub', ctx.scalar(1), xSquared(ctx)))));
defineUnary('Asinh', (ctx, dy) => op(ctx, 'Div', dy, op(ctx, 'Sqrt', op(ctx, 'Add', xSquared(ctx), ctx.scalar(1)))));
defineUnary('Acosh', (ctx, dy) => op(ctx, 'Div', dy, op(ctx, 'Sqrt', op(ctx, 'Sub', xSquared(ctx), ctx.scalar(1)))));
defineUnary('Atanh', (ctx, dy) => op(ctx, 'Div', dy, op(ctx, 'Sub', ctx.scalar(1), xSquared(ctx))));

// softsign(x) = x / (1 + |x|): derivative 1 / (1 + |x|)^2
defineUnary('Softsign', (ctx, dy) => {
  const d = op(ctx, 'Add', op(ctx, 'Abs', ctx.x[0]), ctx.scalar(1));
  return op(ctx, 'Div', dy, op(ctx, 'Mul', d, d));
});

// celu(x) = max(0, x) + min(0, alpha (e^(x/alpha) - 1)): 1 above 0, e^(x/alpha) = 1 + y/alpha
// below, i.e. 1 + min(y, 0)/alpha everywhere (no mask needed).
defineUnary('Celu', (ctx, dy) => {
  const below = op(ctx, 'Mul', op(ctx, 'Min', ctx.y[0], ctx.scalar(0)), ctx.scalar(1 / ctx.attrs.float('alpha', 1)));
  return op(ctx, 'Mul', dy, op(ctx, 'Add', below, ctx.scalar(1)));
});

/*
 * mish(x) = x tanh(softplus(x)): derivative t + x s (1 - t^2), s = sigmoid(x). With
 * 1 + e^x = 1 / (1 - s), t = tanh(log(1 + e^x)) = s (2 - s) / (1 + (1 - s)^2), which stays
 * finite for any x and needs no Softplus (onnxruntime has no double Softplus kernel).
 */
defineUnary('Mish', (ctx, dy) => {
  const s = op(ctx, 'Sigmoid', ctx.x[0]);
  const c = op(ctx, 'Sub', ctx.scalar(1), s);
  const t = op(ctx, 'Div', op(ctx, 'Mul', s, op(ctx, 'Add', c, ctx.scalar(1))), op(ctx, 'Add', op(ctx, 'Mul', c, c), ctx.scalar(1)));
  const rest = op(ctx, 'Mul', op(ctx, 'Mul', ctx.x[0], s), op(ctx, 'Sub', ctx.scalar(1), op(ctx, 'Mul', t, t)));
  return op(ctx, 'Mul', dy, op(ctx, 'Add', t, rest));
});

// y = x where x > alpha, else 0
defineUnary('ThresholdedRelu', (ctx, dy) =>
  op(ctx, 'Mul', dy, floatMask(ctx, op(ctx, 'Greater', ctx.x[0], ctx.scalar(ctx.attrs.float('alpha', 1))))),
);

// ---- PRelu ----------------------------------------------------------------------------------

// y = x (x >= 0), slope * x (x < 0). With n = dy * (x < 0): dx = dy - n (1 - slope), dslope = n x.
defineGrad('PRelu', (ctx) => {
  const [x, slope] = ctx.x;
  const neg = op(ctx, 'Mul', ctx.dy[0]!, floatMask(ctx, op(ctx, 'Less', x, ctx.scalar(0))));
  return [
    ctx.needs[0] ? op(ctx, 'Sub', ctx.dy[0]!, op(ctx, 'Mul', neg, op(ctx, 'Sub', ctx.scalar(1), slope))) : null,
    ctx.needs[1] ? ctx.unbroadcast(op(ctx, 'Mul', neg, x), ctx.xDims(0), ctx.xDims(1)) : null,
  ];
});

// ---- Instance- and GroupNormalization -------------------------------------------------------

/**
 * Both normalise [N, C, S...] viewed as [N, G, C/G, S] over the last two axes (instance
 * norm: G = C) and apply an affine per group (GroupNormalization before opset 21) or per
 * channel. With xhat = (x - mean) inv, inv = 1 / sqrt(var + eps), g = dy * scale:
 *   dx = inv (g - mean(g) - xhat mean(g xhat)),  dscale = sum(dy xhat),  dbias = sum(dy),
 * sums over the axes the affine parameter is broadcast along.
 */
function groupedNormGrad(ctx: GradContext, groups: number, perChannel: boolean): (string | null)[] {
  const { emit } = ctx;
  const xd = ctx.xDims(0);
  const [n, c] = xd;
  const view = [n, groups, c / groups, sizeOf(xd.slice(2))];
  const affine = perChannel ? [groups, c / groups, 1] : [groups, 1, 1];
  const axes = [2, 3];
  const mean = (v: string): string => emit.reduce('ReduceMean', v, axes, true);

  const x = emit.reshape(ctx.x[0], view);
  const centred = op(ctx, 'Sub', x, mean(x));
  const variance = mean(op(ctx, 'Mul', centred, centred));
  const inv = op(ctx, 'Reciprocal', op(ctx, 'Sqrt', op(ctx, 'Add', variance, ctx.scalar(ctx.attrs.float('epsilon', 1e-5)))));
  const xhat = op(ctx, 'Mul', centred, inv);
  const dy = emit.reshape(ctx.dy[0]!, view);
  const param = (i: number, v: string): string => emit.reshape(ctx.unbroadcast(v, view, affine), ctx.xDims(i));

  let dx: string | null = null;
  if (ctx.needs[0]) {
    const g = op(ctx, 'Mul', dy, emit.reshape(ctx.x[1], affine));
    const centredG = op(ctx, 'Sub', g, mean(g));
    dx = emit.reshape(op(ctx, 'Mul', op(ctx, 'Sub', centredG, op(ctx, 'Mul', xhat, mean(op(ctx, 'Mul', g, xhat)))), inv), xd);
  }
  return [dx, ctx.needs[1] ? param(1, op(ctx, 'Mul', dy, xhat)) : null, ctx.needs[2] ? param(2, dy) : null];
}

defineGrad('InstanceNormalization', (ctx) => groupedNormGrad(ctx, ctx.xDims(0)[1], true));

defineGrad('GroupNormalization', (ctx) => {
  const { groups } = groupNormParams(ctx.opset, ctx.attrs, ctx.xDims(0), ctx.fail);
  return groupedNormGrad(ctx, groups, ctx.opset >= 21);
});

// ---- block rearrangements -------------------------------------------------------------------

// Both are permutations of elements, so each gradient is the inverse rearrangement.
// DepthToSpace DCR and SpaceToDepth are exact inverses; CRD is undone by reshape-transpose-reshape.
defineGrad('SpaceToDepth', (ctx) => [ctx.b.op('DepthToSpace', [ctx.dy[0]!], { blocksize: ctx.attrs.int('blocksize'), mode: ctx.opset >= 11 ? 'DCR' : undefined })]);

defineGrad('DepthToSpace', (ctx) => {
  const b = ctx.attrs.int('blocksize');
  const dy = ctx.dy[0]!;
  if (ctx.attrs.string('mode', 'DCR') === 'DCR') return [ctx.b.op('SpaceToDepth', [dy], { blocksize: b })];
  // CRD: x [N, C', b, b, H, W] -> y [N, C', H, b, W, b]; going back moves the two b axes forward
  const [n, c, h, w] = ctx.xDims(0);
  const blocks = ctx.emit.reshape(dy, [n, c / (b * b), h, b, w, b]);
  return [ctx.emit.reshape(ctx.emit.transpose(blocks, [0, 1, 3, 5, 2, 4]), [n, c, h, w])];
});

// ---- Mod ------------------------------------------------------------------------------------

/*
 * y = a - b q with q = trunc(a / b) (fmod = 1, the only mode floats allow): da = dy,
 * db = -dy q. q is recovered as round((a - y) / b), exact away from the jumps (where the
 * gradient is undefined anyway); Floor(v + 0.5) rounds the near-integer also before opset 11.
 */
defineGrad('Mod', (ctx) => {
  const [a, b] = ctx.x;
  const dy = ctx.dy[0]!;
  const out = ctx.yDims(0);
  let db: string | null = null;
  if (ctx.needs[1]) {
    const q = op(ctx, 'Floor', op(ctx, 'Add', op(ctx, 'Div', op(ctx, 'Sub', a, ctx.y[0]), b), ctx.scalar(0.5)));
    db = ctx.unbroadcast(op(ctx, 'Neg', op(ctx, 'Mul', dy, q)), out, ctx.xDims(1));
  }
  return [ctx.needs[0] ? ctx.unbroadcast(dy, out, ctx.xDims(0)) : null, db];
});

// Selected box indices: integer outputs.
nonDifferentiable('NonMaxSuppression');
