/**
 * Gradient of Einsum. Y = einsum(X_0, ..., X_{n-1}) is linear in each operand, so
 * dX_i = einsum(dY, X_j for j != i) written with X_i's subscripts as the output. Labels of
 * X_i that occur in no other term were summed out by the forward: they are dropped from
 * that einsum and dY's contribution is expanded back over them. A label repeated inside
 * X_i (a diagonal, 'ii->i') is kept once and the result is put back on the diagonal with
 * a constant 0/1 mask.
 *
 * Equations use the parser's expanded labels ('...' written as fresh letters), so the
 * backward einsums never depend on ellipsis alignment. The rule favours generality: each
 * operand's gradient is one Einsum, with no specialised MatMul forms.
 */
import type { GradContext, GradRule } from '../../autodiff/types.js';
import { broadcastDims } from '../../shape/broadcast.js';
import { build } from '../../shape/fold.js';
import { sameDims } from '../../tensor/tensor.js';
import { parseEinsum, subscripts, type EinsumSpec } from './parse.js';

/**
 * 1 where every label repeated in `labels` has the same index on all its axes, with
 * size 1 on the other axes; undefined when no label repeats.
 */
function diagonalMask(ctx: GradContext, labels: readonly number[], dims: readonly number[]): { name: string; dims: number[] } | undefined {
  const repeated = labels.map((l) => labels.indexOf(l) !== labels.lastIndexOf(l));
  if (!repeated.some(Boolean)) return undefined;
  const maskDims = dims.map((d, a) => (repeated[a] ? d : 1));
  const mask = build(ctx.dtype, maskDims, (idx) => (idx.every((v, a) => !repeated[a] || v === idx[labels.indexOf(labels[a])]) ? 1 : 0));
  return { name: ctx.b.constant(mask, 'einsum_diagonal'), dims: maskDims };
}

function operandGrad(ctx: GradContext, spec: EinsumSpec, i: number, dy: string): string {
  const own = spec.operands[i];
  const others = spec.operands.map((labels, j) => ({ name: ctx.x[j], labels })).filter((_, j) => j !== i);
  const elsewhere = new Set([...spec.output, ...others.flatMap((o) => o.labels)]);
  // each label of X_i once (first axis), when another term carries it
  const firstAxis = (l: number, a: number): boolean => own.indexOf(l) === a;
  const kept = own.filter((l, a) => firstAxis(l, a) && elsewhere.has(l));

  let g: string;
  if (others.length === 0) {
    // a single operand: X_i's kept labels are exactly Y's, so dY only needs reordering
    const perm = kept.map((l) => spec.output.indexOf(l));
    g = perm.every((p, k) => p === k) ? dy : ctx.transpose(dy, perm);
  } else {
    const terms = [spec.output, ...others.map((o) => o.labels)].map((t) => subscripts(spec, t));
    g = ctx.b.op('Einsum', [dy, ...others.map((o) => o.name)], { equation: `${terms.join(',')}->${subscripts(spec, kept)}` });
  }

  // size 1 on the axes the einsum dropped, then the diagonal, then expand what was summed out
  const dims = ctx.xDims(i);
  let now = own.map((l, a) => (firstAxis(l, a) && elsewhere.has(l) ? dims[a] : 1));
  if (now.length !== kept.length) g = ctx.reshape(g, now);
  const mask = diagonalMask(ctx, own, dims);
  if (mask) {
    g = ctx.mul(g, mask.name);
    now = broadcastDims([now, mask.dims]);
  }
  return sameDims(now, dims) ? g : ctx.expand(g, dims);
}

export const einsumGrad: GradRule = (ctx) => {
  const spec = parseEinsum(ctx.attrs.string('equation'), ctx.x.map((_, i) => ctx.xDims(i)), ctx.fail);
  const dy = ctx.dy[0]!;
  return ctx.x.map((_, i) => (ctx.needs[i] ? operandGrad(ctx, spec, i, dy) : null));
};
