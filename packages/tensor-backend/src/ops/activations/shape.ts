/**
 * Shapes of activations: every output has the input's type (PRelu's slope broadcasts
 * to X). Those with a closed form in JS are folded, with the defaults the ONNX spec gives.
 */
import { broadcastDims } from '../../shape/broadcast.js';
import { mapBroadcast, sameAsInput, sameAsInput0, unaryMap, unaryMapOf } from '../../shape/elementwise.js';
import type { ShapeRule } from '../../shape/types.js';
import { sameRule } from '../family.js';

/** Defaults of Selu in the ONNX spec (float32-rounded constants). */
export const SELU_ALPHA = 1.67326319217681884765625;
export const SELU_GAMMA = 1.05070102214813232421875;

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

export const activationShapes: Record<string, ShapeRule> = {
  Relu: unaryMap((x) => Math.max(0, x)),
  Tanh: unaryMap(Math.tanh),
  Sigmoid: unaryMap(sigmoid),
  Softplus: unaryMap((x) => (x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x)))),
  LeakyRelu: unaryMapOf((ctx) => {
    const alpha = ctx.attrs.float('alpha', 0.01);
    return (v) => (v >= 0 ? v : alpha * v);
  }),
  Elu: unaryMapOf((ctx) => {
    const alpha = ctx.attrs.float('alpha', 1);
    return (v) => (v > 0 ? v : alpha * Math.expm1(v));
  }),
  Selu: unaryMapOf((ctx) => {
    const alpha = ctx.attrs.float('alpha', SELU_ALPHA);
    const gamma = ctx.attrs.float('gamma', SELU_GAMMA);
    return (v) => gamma * (v > 0 ? v : alpha * Math.expm1(v));
  }),
  HardSigmoid: unaryMapOf((ctx) => {
    const alpha = ctx.attrs.float('alpha', 0.2);
    const beta = ctx.attrs.float('beta', 0.5);
    return (v) => Math.max(0, Math.min(1, alpha * v + beta));
  }),
  HardSwish: unaryMap((v) => v * Math.max(0, Math.min(1, v / 6 + 0.5))),

  // Clip: opset < 11 takes min/max attributes, 11+ optional scalar inputs (either may be omitted).
  Clip: {
    infer: sameAsInput0,
    fold: (ctx, [x, lo, hi]) => {
      if (!x || x.dtype === 'float16') return undefined;
      let min = -Infinity;
      let max = Infinity;
      if (ctx.opset < 11) {
        min = ctx.attrs.float('min', -Infinity);
        max = ctx.attrs.float('max', Infinity);
      } else {
        if (ctx.has(1)) {
          if (!lo) return undefined;
          min = Number(lo.data[0]);
        }
        if (ctx.has(2)) {
          if (!hi) return undefined;
          max = Number(hi.data[0]);
        }
      }
      return [mapBroadcast(x.dtype, [x], (v) => Math.min(Math.max(v, min), max))];
    },
  },

  // JS has no erf, and the rest never occur in shape subgraphs: not folded.
  ...sameRule(['Gelu', 'com.microsoft::Gelu', 'com.microsoft::FastGelu', 'Softsign', 'Celu', 'Mish', 'ThresholdedRelu'], sameAsInput),

  // PRelu: the slope broadcasts to X (unidirectionally); the result has X's dims.
  PRelu: {
    infer: (ctx) => {
      const x = ctx.input(0);
      const slope = ctx.input(1).dims;
      const out = broadcastDims([x.dims, slope], ctx.node.describe());
      if (out.length !== x.dims.length || out.some((d, i) => d !== x.dims[i])) ctx.fail(`slope [${slope.join(', ')}] does not broadcast to X [${x.dims.join(', ')}]`);
      return [x];
    },
  },
};
