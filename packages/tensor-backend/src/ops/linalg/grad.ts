/**
 * Gradients of MatMul, Gemm and Trilu. With Y = A B: dA = dY B^T and dB = A^T dY.
 * A 2-D right operand (the usual weight) takes Gemm forms with transA/transB, which
 * onnxruntime runs as one GEMM without materialising a transpose; the batch axes of the
 * left operand fold into the GEMM's rows, so dB needs no separate batch reduction.
 */
import type { GradContext, GradRule } from '../../autodiff/types.js';
import { axisRange } from '../../shape/broadcast.js';
import { sizeOf } from '../../tensor/tensor.js';

/** Swaps the last two axes. */
const swapLast = (ctx: GradContext, x: string, rank: number): string =>
  ctx.transpose(x, [...axisRange(0, rank - 2), rank - 1, rank - 2]);

export const linalgGrads: Record<string, GradRule> = {
  MatMul: (ctx) => {
    const aDims = ctx.xDims(0);
    const bDims = ctx.xDims(1);
    const yDims = ctx.yDims(0);
    const [A, B] = ctx.x;
    const dy = ctx.dy[0]!;
    const k = aDims[aDims.length - 1];

    if (bDims.length === 2) {
      // A [..., K] flattened to rows [R, K]; Y [..., N] to [R, N]
      const n = bDims[1];
      const r = sizeOf(aDims) / k;
      const dy2 = ctx.reshape(dy, [r, n], yDims);
      return [
        ctx.needs[0] ? ctx.reshape(ctx.gemm(dy2, B, { transB: true }), aDims, [r, k]) : null,
        ctx.needs[1] ? ctx.gemm(ctx.reshape(A, [r, k], aDims), dy2, { transA: true }) : null,
      ];
    }

    if (bDims.length === 1) {
      // Y [...] = sum_k A[..., k] B[k]: dA is an outer product, dB a vector-matrix product
      const r = sizeOf(aDims) / k;
      return [
        ctx.needs[0] ? ctx.mul(ctx.reshape(dy, [...yDims, 1]), B) : null,
        ctx.needs[1] ? ctx.matmul(ctx.reshape(dy, [r], yDims), ctx.reshape(A, [r, k], aDims)) : null,
      ];
    }

    // Batched right operand: work on A promoted to a matrix and Y with both matrix axes,
    // then sum over the batch axes an operand was broadcast along.
    const a2 = aDims.length === 1 ? [1, k] : aDims;
    const rank = Math.max(a2.length, bDims.length);
    const y2 = [...yDims.slice(0, rank - 2), a2[a2.length - 2], bDims[bDims.length - 1]];
    const dy2 = ctx.reshape(dy, y2, yDims);
    let dA: string | null = null;
    if (ctx.needs[0]) {
      const full = ctx.matmul(dy2, swapLast(ctx, B, bDims.length));
      dA = ctx.reshape(ctx.unbroadcast(full, [...y2.slice(0, -1), k], a2), aDims, a2);
    }
    let dB: string | null = null;
    if (ctx.needs[1]) {
      const aT = aDims.length === 1 ? ctx.reshape(A, [k, 1]) : swapLast(ctx, A, aDims.length);
      dB = ctx.unbroadcast(ctx.matmul(aT, dy2), [...y2.slice(0, -2), k, y2[y2.length - 1]], bDims);
    }
    return [dA, dB];
  },

  Gemm: (ctx) => {
    // Y = alpha op(A) op(B) + beta C with op = transpose when transA / transB is set
    const [A, B] = ctx.x;
    const dy = ctx.dy[0]!;
    const transA = ctx.attrs.int('transA', 0) !== 0;
    const transB = ctx.attrs.int('transB', 0) !== 0;
    const alpha = ctx.attrs.float('alpha', 1);
    const beta = ctx.attrs.float('beta', 1);
    // dA' = alpha dY op(B)^T; when A is stored transposed, dA = dA'^T = alpha op(B) dY^T
    const dA = !ctx.needs[0]
      ? null
      : transA
        ? ctx.gemm(B, dy, { transA: transB, transB: true, alpha })
        : ctx.gemm(dy, B, { transB: !transB, alpha });
    // dB' = alpha op(A)^T dY; when B is stored transposed, dB = dB'^T = alpha dY^T op(A)
    const dB = !ctx.needs[1]
      ? null
      : transB
        ? ctx.gemm(dy, A, { transA: true, transB: transA, alpha })
        : ctx.gemm(A, dy, { transA: !transA, alpha });
    let dC: string | null = null;
    if (ctx.has(2) && ctx.needs[2] && beta !== 0) {
      // reduce first, then scale the (smaller) result
      const summed = ctx.toInput(dy, 2);
      dC = beta === 1 ? summed : ctx.mul(summed, ctx.scalar(beta));
    }
    return [dA, dB, dC];
  },

  // Trilu keeps a triangle and zeroes the rest: the same mask applies to dy.
  Trilu: (ctx) => [
    ctx.b.op('Trilu', ctx.x[1] ? [ctx.dy[0]!, ctx.x[1]] : [ctx.dy[0]!], { upper: ctx.attrs.int('upper', 1) }),
    null,
  ],
};
