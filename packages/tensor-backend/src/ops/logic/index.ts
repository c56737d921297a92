/**
 * Comparisons and boolean logic: numpy-broadcast inputs, bool results, folded for the
 * shape arithmetic exporters emit. Their outputs are piecewise constant or boolean, so
 * no gradient flows through them.
 */
import { broadcastInputs, foldKnown, mapBroadcast } from '../../shape/elementwise.js';
import type { InferContext, ShapeRule } from '../../shape/types.js';
import type { OpFamily } from '../family.js';

/** A broadcasting comparison or logic binary with a bool result. */
const boolBinary = (f: (a: number, b: number) => number): ShapeRule => ({
  infer: (ctx) => [{ dtype: 'bool', dims: broadcastInputs(ctx) }],
  fold: foldKnown((ctx, [a, b]) => [mapBroadcast('bool', [a, b], f)]),
});

/** A bool-valued test of each element. */
const boolUnary = (f: (ctx: InferContext) => (v: number) => number): ShapeRule => ({
  infer: (ctx) => [{ dtype: 'bool', dims: ctx.input(0).dims }],
  fold: foldKnown((ctx, [x]) => [mapBroadcast('bool', [x], f(ctx))]),
});

export const logicOps: OpFamily = {
  shape: {
    Equal: boolBinary((a, b) => +(a === b)),
    Less: boolBinary((a, b) => +(a < b)),
    Greater: boolBinary((a, b) => +(a > b)),
    LessOrEqual: boolBinary((a, b) => +(a <= b)),
    GreaterOrEqual: boolBinary((a, b) => +(a >= b)),
    And: boolBinary((a, b) => +(a !== 0 && b !== 0)),
    Or: boolBinary((a, b) => +(a !== 0 || b !== 0)),
    Xor: boolBinary((a, b) => +(a !== 0 !== (b !== 0))),
    Not: boolUnary(() => (v) => +(v === 0)),
    IsNaN: boolUnary(() => (v) => +Number.isNaN(v)),
    IsInf: boolUnary((ctx) => {
      const neg = ctx.attrs.int('detect_negative', 1) !== 0;
      const pos = ctx.attrs.int('detect_positive', 1) !== 0;
      return (v) => +((pos && v === Infinity) || (neg && v === -Infinity));
    }),
  },
  nondifferentiable: ['Equal', 'Less', 'Greater', 'LessOrEqual', 'GreaterOrEqual', 'Not', 'And', 'Or', 'Xor', 'IsNaN', 'IsInf'],
};
