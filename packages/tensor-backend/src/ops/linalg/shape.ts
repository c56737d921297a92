/** Shapes of MatMul (numpy matmul semantics), Gemm and Trilu. */
import { broadcastDims } from '../../shape/broadcast.js';
import { sameAsInput } from '../../shape/elementwise.js';
import type { InferContext, ShapeRule } from '../../shape/types.js';

/**
 * Output dims of numpy matmul: a 1-D operand is promoted to a matrix ([K] -> [1,K] on the
 * left, [K,1] on the right) and the promoted axis is dropped from the result; batch axes
 * (all but the last two) broadcast.
 */
export function matmulDims(a: readonly number[], b: readonly number[], fail: (message: string) => never): number[] {
  if (a.length === 0 || b.length === 0) fail('MatMul operands must have rank >= 1');
  const a2 = a.length === 1 ? [1, a[0]] : a;
  const b2 = b.length === 1 ? [b[0], 1] : b;
  const k = a2[a2.length - 1];
  if (k !== b2[b2.length - 2]) fail(`inner dims differ: [${a.join(', ')}] x [${b.join(', ')}]`);
  const batch = broadcastDims([a2.slice(0, -2), b2.slice(0, -2)], 'MatMul batch dims');
  const out = [...batch];
  if (a.length > 1) out.push(a2[a2.length - 2]);
  if (b.length > 1) out.push(b2[b2.length - 1]);
  return out;
}

/** [M, K, N] of a Gemm after its transposes. */
export function gemmDims(ctx: InferContext): { m: number; k: number; n: number } {
  const a = ctx.input(0).dims;
  const b = ctx.input(1).dims;
  if (a.length !== 2 || b.length !== 2) ctx.fail(`Gemm needs 2-D A and B, got [${a.join(', ')}] and [${b.join(', ')}]`);
  const [m, k] = ctx.attrs.int('transA', 0) ? [a[1], a[0]] : [a[0], a[1]];
  const [k2, n] = ctx.attrs.int('transB', 0) ? [b[1], b[0]] : [b[0], b[1]];
  if (k !== k2) ctx.fail(`inner dims differ: A' is [${m}, ${k}], B' is [${k2}, ${n}]`);
  return { m, k, n };
}

export const linalgShapes: Record<string, ShapeRule> = {
  MatMul: {
    infer: (ctx) => [{ dtype: ctx.input(0).dtype, dims: matmulDims(ctx.input(0).dims, ctx.input(1).dims, (m) => ctx.fail(m)) }],
  },

  Gemm: {
    infer: (ctx) => {
      const { m, n } = gemmDims(ctx);
      // C broadcasts unidirectionally to [M, N]
      if (ctx.has(2)) {
        const c = ctx.input(2).dims;
        const out = broadcastDims([[m, n], c], ctx.node.describe());
        if (out.length !== 2 || out[0] !== m || out[1] !== n) ctx.fail(`C [${c.join(', ')}] does not broadcast to [${m}, ${n}]`);
      }
      return [{ dtype: ctx.input(0).dtype, dims: [m, n] }];
    },
  },

  // Trilu: same dims as its input (never part of shape arithmetic, so no fold).
  Trilu: sameAsInput,
};
