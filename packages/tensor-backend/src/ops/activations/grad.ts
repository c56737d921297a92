/**
 * Gradients of activations. Masks are built as Compare + Cast + Mul, which onnxruntime runs
 * faster than Where or Sign on large tensors; smooth activations reuse their forward output
 * where the derivative is cheaper in terms of it (sigmoid, tanh, elu, celu).
 */
import type { GradContext, GradRule } from '../../autodiff/types.js';
import { asFloat } from '../../ir/attributes.js';
import { unaryGrad } from '../family.js';
import { SELU_ALPHA, SELU_GAMMA } from './shape.js';

// Elu: 1 above 0, alpha e^x = y + alpha below; Selu the same scaled by gamma.
function expLinear(ctx: GradContext, dy: string, scale: number, alpha: number): string {
  const below = ctx.add(ctx.y[0], ctx.scalar(scale * alpha));
  return ctx.mul(dy, ctx.where(ctx.greater(ctx.x[0], ctx.scalar(0)), ctx.scalar(scale), below));
}

/** d/dz of z * Phi(z) (exact Gelu): Phi(z) + z phi(z), Phi(z) = (1 + erf(z / sqrt 2)) / 2. */
function geluErfDerivative(ctx: GradContext, z: string): string {
  const cdf = ctx.mul(ctx.add(ctx.erf(ctx.mul(z, ctx.scalar(Math.SQRT1_2))), ctx.scalar(1)), ctx.scalar(0.5));
  const pdf = ctx.exp(ctx.mul(ctx.mul(z, z), ctx.scalar(-0.5)));
  return ctx.add(cdf, ctx.mul(z, ctx.mul(pdf, ctx.scalar(1 / Math.sqrt(2 * Math.PI)))));
}

const GELU_K = Math.sqrt(2 / Math.PI);
const GELU_C = 0.044715;
/**
 * d/dz of z (1 + tanh u) / 2 with u = k (z + c z^3):
 * (1 + t) / 2 + z (1 - t^2) k (1 + 3 c z^2) / 2, t = tanh u.
 */
function geluTanhDerivative(ctx: GradContext, z: string): string {
  const z2 = ctx.mul(z, z);
  const t = ctx.tanh(ctx.mul(ctx.mul(z, ctx.add(ctx.mul(z2, ctx.scalar(GELU_C)), ctx.scalar(1))), ctx.scalar(GELU_K)));
  const du = ctx.add(ctx.mul(z2, ctx.scalar(3 * GELU_C * GELU_K)), ctx.scalar(GELU_K));
  const sech2 = ctx.sub(ctx.scalar(1), ctx.mul(t, t));
  const half = ctx.mul(ctx.add(t, ctx.scalar(1)), ctx.scalar(0.5));
  return ctx.add(half, ctx.mul(ctx.mul(ctx.mul(z, ctx.scalar(0.5)), sech2), du));
}

export const activationGrads: Record<string, GradRule> = {
  // Relu: dy * (x > 0) = dy * (y > 0); the kink at 0 gets 0. Reading the output rather than
  // the input keeps the pre-activation unconsumed, so onnxruntime can still fuse Conv+Relu.
  Relu: unaryGrad((ctx, dy) => ctx.mul(dy, ctx.mask(ctx.greater(ctx.y[0], ctx.scalar(0))))),

  // LeakyRelu (y = x for x >= 0, alpha x below): dy * (1 + (alpha - 1) * (x < 0)).
  LeakyRelu: unaryGrad((ctx, dy) => {
    const alpha = ctx.attrs.float('alpha', 0.01);
    const below = ctx.mask(ctx.less(ctx.x[0], ctx.scalar(0)));
    return ctx.mul(dy, ctx.add(ctx.mul(below, ctx.scalar(alpha - 1)), ctx.scalar(1)));
  }),

  // sigmoid' = y (1 - y), tanh' = 1 - y^2: from the output, no second exp.
  Sigmoid: unaryGrad((ctx, dy) => {
    const y = ctx.y[0];
    return ctx.mul(dy, ctx.mul(y, ctx.sub(ctx.scalar(1), y)));
  }),

  Tanh: unaryGrad((ctx, dy) => {
    const y = ctx.y[0];
    return ctx.mul(dy, ctx.sub(ctx.scalar(1), ctx.mul(y, y)));
  }),

  // softplus(x) = log(1 + e^x), softplus' = sigmoid(x).
  Softplus: unaryGrad((ctx, dy) => ctx.mul(dy, ctx.sigmoid(ctx.x[0]))),

  Elu: unaryGrad((ctx, dy) => expLinear(ctx, dy, 1, ctx.attrs.float('alpha', 1))),
  Selu: unaryGrad((ctx, dy) => expLinear(ctx, dy, ctx.attrs.float('gamma', SELU_GAMMA), ctx.attrs.float('alpha', SELU_ALPHA))),

  // HardSigmoid y = clamp(alpha x + beta, 0, 1): alpha where the output is strictly inside (0, 1).
  HardSigmoid: unaryGrad((ctx, dy) => {
      const y = ctx.y[0];
    const inside = ctx.and(ctx.greater(y, ctx.scalar(0)), ctx.less(y, ctx.scalar(1)));
    return ctx.mul(ctx.mul(dy, ctx.scalar(ctx.attrs.float('alpha', 0.2))), ctx.mask(inside));
  }),

  // HardSwish y = x * hs(x), hs = HardSigmoid(1/6, 1/2): y' = hs(x) + x/6 on (-3, 3).
  HardSwish: unaryGrad((ctx, dy) => {
      const x = ctx.x[0];
    const hs = ctx.b.op('HardSigmoid', [x], { alpha: asFloat(1 / 6), beta: asFloat(0.5) });
    const inside = ctx.mask(ctx.and(ctx.greater(x, ctx.scalar(-3)), ctx.less(x, ctx.scalar(3))));
    return ctx.mul(dy, ctx.add(hs, ctx.mul(ctx.mul(x, ctx.scalar(1 / 6)), inside)));
  }),

  // ONNX Gelu (opset 20): approximate = 'none' | 'tanh'. com.microsoft::Gelu is the exact form.
  Gelu: unaryGrad((ctx, dy) => {
    const approx = ctx.attrs.string('approximate', 'none');
    if (approx !== 'none' && approx !== 'tanh') ctx.fail(`unknown Gelu approximation '${approx}'`);
    return ctx.mul(dy, approx === 'tanh' ? geluTanhDerivative(ctx, ctx.x[0]) : geluErfDerivative(ctx, ctx.x[0]));
  }),

  'com.microsoft::Gelu': unaryGrad((ctx, dy) => ctx.mul(dy, geluErfDerivative(ctx, ctx.x[0]))),

  // com.microsoft::FastGelu(X, bias?) = tanh-approximate Gelu of X + bias; bias broadcasts.
  'com.microsoft::FastGelu': (ctx) => {
    const hasBias = ctx.has(1);
    const z = hasBias ? ctx.add(ctx.x[0], ctx.x[1]) : ctx.x[0];
    const g = ctx.mul(ctx.dy[0]!, geluTanhDerivative(ctx, z));
    return [ctx.needs[0] ? ctx.toInput(g, 0) : null, hasBias && ctx.needs[1] ? ctx.toInput(g, 1) : null];
  },

  /**
   * Clip. Opset 11+: optional scalar min/max inputs; x passes where Clip left it unchanged
   * (y == x, so a value exactly on a bound counts as inside), min gets dy where x < min and
   * max where x > max (assuming min <= max, as the spec does). Opsets 6-10: min/max
   * attributes, and Equal has no float kernel there, so the mask is !(x < min || x > max).
   */
  Clip: (ctx) => {
      const x = ctx.x[0];
    const dy = ctx.dy[0]!;
    if (ctx.opset < 11) {
      const out: string[] = [];
      if (ctx.attrs.has('min')) out.push(ctx.less(x, ctx.scalar(ctx.attrs.float('min'))));
      if (ctx.attrs.has('max')) out.push(ctx.greater(x, ctx.scalar(ctx.attrs.float('max'))));
      if (!out.length) return [dy];
      const keep = ctx.not(out.length === 2 ? ctx.or(out[0], out[1]) : out[0]);
      return [ctx.mul(dy, ctx.mask(keep))];
    }
    const bound = (i: number, cmp: 'less' | 'greater'): string | null =>
      ctx.x[i] && ctx.needs[i] ? ctx.toInput(ctx.mul(dy, ctx.mask(ctx[cmp](x, ctx.x[i]))), i) : null;
    let dx: string | null = null;
    if (ctx.needs[0]) dx = ctx.x[1] || ctx.x[2] ? ctx.mul(dy, ctx.mask(ctx.equal(x, ctx.y[0]))) : dy;
    return [dx, bound(1, 'less'), bound(2, 'greater')];
  },

  // softsign(x) = x / (1 + |x|): derivative 1 / (1 + |x|)^2
  Softsign: unaryGrad((ctx, dy) => {
    const d = ctx.add(ctx.abs(ctx.x[0]), ctx.scalar(1));
    return ctx.div(dy, ctx.mul(d, d));
  }),

  // celu(x) = max(0, x) + min(0, alpha (e^(x/alpha) - 1)): 1 above 0, e^(x/alpha) = 1 + y/alpha
  // below, i.e. 1 + min(y, 0)/alpha everywhere (no mask needed).
  Celu: unaryGrad((ctx, dy) => {
    const below = ctx.mul(ctx.min(ctx.y[0], ctx.scalar(0)), ctx.scalar(1 / ctx.attrs.float('alpha', 1)));
    return ctx.mul(dy, ctx.add(below, ctx.scalar(1)));
  }),

  /*
   * mish(x) = x tanh(softplus(x)): derivative t + x s (1 - t^2), s = sigmoid(x). With
   * 1 + e^x = 1 / (1 - s), t = tanh(log(1 + e^x)) = s (2 - s) / (1 + (1 - s)^2), which stays
   * finite for any x and needs no Softplus (onnxruntime has no double Softplus kernel).
   */
  Mish: unaryGrad((ctx, dy) => {
    const s = ctx.sigmoid(ctx.x[0]);
    const c = ctx.sub(ctx.scalar(1), s);
    const t = ctx.div(ctx.mul(s, ctx.add(c, ctx.scalar(1))), ctx.add(ctx.mul(c, c), ctx.scalar(1)));
    const rest = ctx.mul(ctx.mul(ctx.x[0], s), ctx.sub(ctx.scalar(1), ctx.mul(t, t)));
    return ctx.mul(dy, ctx.add(t, rest));
  }),

  // y = x where x > alpha, else 0
  ThresholdedRelu: unaryGrad((ctx, dy) =>
    ctx.mul(dy, ctx.mask(ctx.greater(ctx.x[0], ctx.scalar(ctx.attrs.float('alpha', 1))))),
  ),

  // y = x (x >= 0), slope * x (x < 0). With n = dy * (x < 0): dx = dy - n (1 - slope), dslope = n x.
  PRelu: (ctx) => {
    const [x, slope] = ctx.x;
    const neg = ctx.mul(ctx.dy[0]!, ctx.mask(ctx.less(x, ctx.scalar(0))));
    return [
      ctx.needs[0] ? ctx.sub(ctx.dy[0]!, ctx.mul(neg, ctx.sub(ctx.scalar(1), slope))) : null,
      ctx.needs[1] ? ctx.toInput(ctx.mul(neg, x), 1) : null,
    ];
  },
};
