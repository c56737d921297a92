/**
 * Gradients of activations. Masks are built as Compare + Cast + Mul, which onnxruntime runs
 * faster than Where or Sign on large tensors; smooth activations reuse their forward output
 * where the derivative is cheaper in terms of it (sigmoid, tanh, elu, celu).
 */
import type { GradContext, GradRule } from '../../autodiff/types.js';
import { asFloat } from '../../ir/attributes.js';
import { floatMask } from '../elementwise/grad.js';
import { unaryGrad } from '../family.js';
import { SELU_ALPHA, SELU_GAMMA } from './shape.js';

const mul = (ctx: GradContext, a: string, b: string): string => ctx.b.op('Mul', [a, b]);
const add = (ctx: GradContext, a: string, b: string): string => ctx.b.op('Add', [a, b]);
const op = (ctx: GradContext, type: string, ...inputs: string[]): string => ctx.b.op(type, inputs);

// Elu: 1 above 0, alpha e^x = y + alpha below; Selu the same scaled by gamma.
function expLinear(ctx: GradContext, dy: string, scale: number, alpha: number): string {
  const { b } = ctx;
  const below = add(ctx, ctx.y[0], ctx.scalar(scale * alpha));
  return mul(ctx, dy, b.op('Where', [b.op('Greater', [ctx.x[0], ctx.scalar(0)]), ctx.scalar(scale), below]));
}

/** d/dz of z * Phi(z) (exact Gelu): Phi(z) + z phi(z), Phi(z) = (1 + erf(z / sqrt 2)) / 2. */
function geluErfDerivative(ctx: GradContext, z: string): string {
  const { b } = ctx;
  const cdf = mul(ctx, add(ctx, b.op('Erf', [mul(ctx, z, ctx.scalar(Math.SQRT1_2))]), ctx.scalar(1)), ctx.scalar(0.5));
  const pdf = b.op('Exp', [mul(ctx, mul(ctx, z, z), ctx.scalar(-0.5))]);
  return add(ctx, cdf, mul(ctx, z, mul(ctx, pdf, ctx.scalar(1 / Math.sqrt(2 * Math.PI)))));
}

const GELU_K = Math.sqrt(2 / Math.PI);
const GELU_C = 0.044715;
/**
 * d/dz of z (1 + tanh u) / 2 with u = k (z + c z^3):
 * (1 + t) / 2 + z (1 - t^2) k (1 + 3 c z^2) / 2, t = tanh u.
 */
function geluTanhDerivative(ctx: GradContext, z: string): string {
  const { b } = ctx;
  const z2 = mul(ctx, z, z);
  const t = b.op('Tanh', [mul(ctx, mul(ctx, z, add(ctx, mul(ctx, z2, ctx.scalar(GELU_C)), ctx.scalar(1))), ctx.scalar(GELU_K))]);
  const du = add(ctx, mul(ctx, z2, ctx.scalar(3 * GELU_C * GELU_K)), ctx.scalar(GELU_K));
  const sech2 = b.op('Sub', [ctx.scalar(1), mul(ctx, t, t)]);
  const half = mul(ctx, add(ctx, t, ctx.scalar(1)), ctx.scalar(0.5));
  return add(ctx, half, mul(ctx, mul(ctx, mul(ctx, z, ctx.scalar(0.5)), sech2), du));
}

export const activationGrads: Record<string, GradRule> = {
  // Relu: dy * (x > 0) = dy * (y > 0); the kink at 0 gets 0. Reading the output rather than
  // the input keeps the pre-activation unconsumed, so onnxruntime can still fuse Conv+Relu.
  Relu: unaryGrad((ctx, dy) => mul(ctx, dy, floatMask(ctx, ctx.b.op('Greater', [ctx.y[0], ctx.scalar(0)])))),

  // LeakyRelu (y = x for x >= 0, alpha x below): dy * (1 + (alpha - 1) * (x < 0)).
  LeakyRelu: unaryGrad((ctx, dy) => {
    const alpha = ctx.attrs.float('alpha', 0.01);
    const below = floatMask(ctx, ctx.b.op('Less', [ctx.x[0], ctx.scalar(0)]));
    return mul(ctx, dy, add(ctx, mul(ctx, below, ctx.scalar(alpha - 1)), ctx.scalar(1)));
  }),

  // sigmoid' = y (1 - y), tanh' = 1 - y^2: from the output, no second exp.
  Sigmoid: unaryGrad((ctx, dy) => {
    const y = ctx.y[0];
    return mul(ctx, dy, mul(ctx, y, ctx.b.op('Sub', [ctx.scalar(1), y])));
  }),

  Tanh: unaryGrad((ctx, dy) => {
    const y = ctx.y[0];
    return mul(ctx, dy, ctx.b.op('Sub', [ctx.scalar(1), mul(ctx, y, y)]));
  }),

  // softplus(x) = log(1 + e^x), softplus' = sigmoid(x).
  Softplus: unaryGrad((ctx, dy) => mul(ctx, dy, ctx.b.op('Sigmoid', [ctx.x[0]]))),

  Elu: unaryGrad((ctx, dy) => expLinear(ctx, dy, 1, ctx.attrs.float('alpha', 1))),
  Selu: unaryGrad((ctx, dy) => expLinear(ctx, dy, ctx.attrs.float('gamma', SELU_GAMMA), ctx.attrs.float('alpha', SELU_ALPHA))),

  // HardSigmoid y = clamp(alpha x + beta, 0, 1): alpha where the output is strictly inside (0, 1).
  HardSigmoid: unaryGrad((ctx, dy) => {
    const { b } = ctx;
    const y = ctx.y[0];
    const inside = b.op('And', [b.op('Greater', [y, ctx.scalar(0)]), b.op('Less', [y, ctx.scalar(1)])]);
    return mul(ctx, mul(ctx, dy, ctx.scalar(ctx.attrs.float('alpha', 0.2))), floatMask(ctx, inside));
  }),

  // HardSwish y = x * hs(x), hs = HardSigmoid(1/6, 1/2): y' = hs(x) + x/6 on (-3, 3).
  HardSwish: unaryGrad((ctx, dy) => {
    const { b } = ctx;
    const x = ctx.x[0];
    const hs = b.op('HardSigmoid', [x], { alpha: asFloat(1 / 6), beta: asFloat(0.5) });
    const inside = floatMask(ctx, b.op('And', [b.op('Greater', [x, ctx.scalar(-3)]), b.op('Less', [x, ctx.scalar(3)])]));
    return mul(ctx, dy, add(ctx, hs, mul(ctx, mul(ctx, x, ctx.scalar(1 / 6)), inside)));
  }),

  // ONNX Gelu (opset 20): approximate = 'none' | 'tanh'. com.microsoft::Gelu is the exact form.
  Gelu: unaryGrad((ctx, dy) => {
    const approx = ctx.attrs.string('approximate', 'none');
    if (approx !== 'none' && approx !== 'tanh') ctx.fail(`unknown Gelu approximation '${approx}'`);
    return mul(ctx, dy, approx === 'tanh' ? geluTanhDerivative(ctx, ctx.x[0]) : geluErfDerivative(ctx, ctx.x[0]));
  }),

  'com.microsoft::Gelu': unaryGrad((ctx, dy) => mul(ctx, dy, geluErfDerivative(ctx, ctx.x[0]))),

  // com.microsoft::FastGelu(X, bias?) = tanh-approximate Gelu of X + bias; bias broadcasts.
  'com.microsoft::FastGelu': (ctx) => {
    const hasBias = Boolean(ctx.x[1]);
    const z = hasBias ? add(ctx, ctx.x[0], ctx.x[1]) : ctx.x[0];
    const g = mul(ctx, ctx.dy[0]!, geluTanhDerivative(ctx, z));
    const out = ctx.yDims(0);
    return [ctx.needs[0] ? ctx.unbroadcast(g, out, ctx.xDims(0)) : null, hasBias && ctx.needs[1] ? ctx.unbroadcast(g, out, ctx.xDims(1)) : null];
  },

  /**
   * Clip. Opset 11+: optional scalar min/max inputs; x passes where Clip left it unchanged
   * (y == x, so a value exactly on a bound counts as inside), min gets dy where x < min and
   * max where x > max (assuming min <= max, as the spec does). Opsets 6-10: min/max
   * attributes, and Equal has no float kernel there, so the mask is !(x < min || x > max).
   */
  Clip: (ctx) => {
    const { b } = ctx;
    const x = ctx.x[0];
    const dy = ctx.dy[0]!;
    if (ctx.opset < 11) {
      const out: string[] = [];
      if (ctx.attrs.has('min')) out.push(b.op('Less', [x, ctx.scalar(ctx.attrs.float('min'))]));
      if (ctx.attrs.has('max')) out.push(b.op('Greater', [x, ctx.scalar(ctx.attrs.float('max'))]));
      if (!out.length) return [dy];
      const keep = b.op('Not', [out.length === 2 ? b.op('Or', out) : out[0]]);
      return [mul(ctx, dy, floatMask(ctx, keep))];
    }
    const bound = (i: number, cmp: 'Less' | 'Greater'): string | null =>
      ctx.x[i] && ctx.needs[i] ? ctx.unbroadcast(mul(ctx, dy, floatMask(ctx, b.op(cmp, [x, ctx.x[i]]))), ctx.yDims(0), ctx.xDims(i)) : null;
    let dx: string | null = null;
    if (ctx.needs[0]) dx = ctx.x[1] || ctx.x[2] ? mul(ctx, dy, floatMask(ctx, b.op('Equal', [x, ctx.y[0]]))) : dy;
    return [dx, bound(1, 'Less'), bound(2, 'Greater')];
  },

  // softsign(x) = x / (1 + |x|): derivative 1 / (1 + |x|)^2
  Softsign: unaryGrad((ctx, dy) => {
    const d = op(ctx, 'Add', op(ctx, 'Abs', ctx.x[0]), ctx.scalar(1));
    return op(ctx, 'Div', dy, op(ctx, 'Mul', d, d));
  }),

  // celu(x) = max(0, x) + min(0, alpha (e^(x/alpha) - 1)): 1 above 0, e^(x/alpha) = 1 + y/alpha
  // below, i.e. 1 + min(y, 0)/alpha everywhere (no mask needed).
  Celu: unaryGrad((ctx, dy) => {
    const below = op(ctx, 'Mul', op(ctx, 'Min', ctx.y[0], ctx.scalar(0)), ctx.scalar(1 / ctx.attrs.float('alpha', 1)));
    return op(ctx, 'Mul', dy, op(ctx, 'Add', below, ctx.scalar(1)));
  }),

  /*
   * mish(x) = x tanh(softplus(x)): derivative t + x s (1 - t^2), s = sigmoid(x). With
   * 1 + e^x = 1 / (1 - s), t = tanh(log(1 + e^x)) = s (2 - s) / (1 + (1 - s)^2), which stays
   * finite for any x and needs no Softplus (onnxruntime has no double Softplus kernel).
   */
  Mish: unaryGrad((ctx, dy) => {
    const s = op(ctx, 'Sigmoid', ctx.x[0]);
    const c = op(ctx, 'Sub', ctx.scalar(1), s);
    const t = op(ctx, 'Div', op(ctx, 'Mul', s, op(ctx, 'Add', c, ctx.scalar(1))), op(ctx, 'Add', op(ctx, 'Mul', c, c), ctx.scalar(1)));
    const rest = op(ctx, 'Mul', op(ctx, 'Mul', ctx.x[0], s), op(ctx, 'Sub', ctx.scalar(1), op(ctx, 'Mul', t, t)));
    return op(ctx, 'Mul', dy, op(ctx, 'Add', t, rest));
  }),

  // y = x where x > alpha, else 0
  ThresholdedRelu: unaryGrad((ctx, dy) =>
    op(ctx, 'Mul', dy, floatMask(ctx, op(ctx, 'Greater', ctx.x[0], ctx.scalar(ctx.attrs.float('alpha', 1))))),
  ),

  // y = x (x >= 0), slope * x (x < 0). With n = dy * (x < 0): dx = dy - n (1 - slope), dslope = n x.
  PRelu: (ctx) => {
    const [x, slope] = ctx.x;
    const neg = op(ctx, 'Mul', ctx.dy[0]!, floatMask(ctx, op(ctx, 'Less', x, ctx.scalar(0))));
    return [
      ctx.needs[0] ? op(ctx, 'Sub', ctx.dy[0]!, op(ctx, 'Mul', neg, op(ctx, 'Sub', ctx.scalar(1), slope))) : null,
      ctx.needs[1] ? ctx.unbroadcast(op(ctx, 'Mul', neg, x), ctx.xDims(0), ctx.xDims(1)) : null,
    ];
  },
};
