/**
 * Building blocks shared by the Conv, ConvTranspose and pool gradients: the adjoint of a
 * strided window op (one ConvTranspose) and the weight gradient of a grouped convolution
 * (unfold by an identity-kernel Conv, then Gemm). Where a rule picks one formulation over
 * another, its measured speed is noted there (conv/grad.ts, pool/grad.ts).
 */
import type { GradContext } from '../../autodiff/types.js';
import type { AttrMap } from '../../ir/builder.js';
import { sizeOf, tensor } from '../../tensor/tensor.js';
import { effectiveKernel, type Window } from './geometry.js';

/** Conv-family attributes spelling every padding out (the gradient never relies on auto_pad). */
export function windowAttrs(win: Window, group: number, padEnd: readonly number[] = win.padEnd): AttrMap {
  return {
    kernel_shape: [...win.kernel],
    strides: [...win.strides],
    dilations: [...win.dilations],
    pads: [...win.padBegin, ...padEnd],
    group: group > 1 ? group : undefined,
  };
}

/**
 * The adjoint, w.r.t. the input, of a window op with kernel `weight` (Conv layout
 * [M, C/group, k...]): ConvTranspose with the same strides, dilations and group. The
 * forward covers (out-1)*s + dk padded positions; output_padding restores input positions
 * past the last window (floor division dropped them) and a larger end pad crops windows
 * that reached past the input (ceil_mode), so the result has exactly `inSpatial`.
 */
export function windowAdjoint(ctx: GradContext, dy: string, weight: string, win: Window, inSpatial: readonly number[], group: number): string {
  const padEnd: number[] = [];
  const outputPadding: number[] = [];
  inSpatial.forEach((len, i) => {
    const covered = (win.out[i] - 1) * win.strides[i] + effectiveKernel(win.kernel[i], win.dilations[i]);
    const short = len + win.padBegin[i] - covered; // < stride: input positions no window reached
    outputPadding.push(Math.max(0, short));
    padEnd.push(Math.max(0, short) - short);
  });
  const attrs = windowAttrs(win, group, padEnd);
  if (outputPadding.some((p) => p > 0)) attrs.output_padding = outputPadding;
  return ctx.b.op('ConvTranspose', [dy, weight], attrs);
}

/**
 * The same adjoint at stride 1 as a plain Conv: correlating dY with the spatially flipped
 * kernel, padded by (dilated kernel - 1 - pad) at the start. `weight` must already be in
 * the [C_in, C_out / group, k...] layout of that Conv. It runs like the forward Conv, so
 * it beats ConvTranspose whenever the flipped weight is free (see conv/grad.ts). Undefined when
 * a pad would be negative (pads wider than the kernel) or before opset 10 (no reversed Slice).
 */
export function flippedAdjoint(ctx: GradContext, dy: string, weight: string, win: Window, inSpatial: readonly number[], group: number): string | undefined {
  if (win.strides.some((s) => s !== 1) || ctx.opset < 10) return undefined;
  const begin: number[] = [];
  const end: number[] = [];
  inSpatial.forEach((len, i) => {
    const dk = effectiveKernel(win.kernel[i], win.dilations[i]);
    const covered = win.out[i] - 1 + dk;
    begin.push(dk - 1 - win.padBegin[i]);
    end.push(dk - 1 + len + win.padBegin[i] - covered);
  });
  if ([...begin, ...end].some((p) => p < 0)) return undefined;
  const axes = win.kernel.map((_, i) => i + 2);
  const attrs = windowAttrs({ ...win, padBegin: begin, padEnd: end }, group);
  return ctx.b.op('Conv', [dy, ctx.reverse(weight, axes)], attrs);
}

/** [N, C, L...] -> [C, N*L]: channels first, batch and positions flattened (no copy when N = 1). */
function channelsByColumns(ctx: GradContext, t: string, dims: readonly number[]): string {
  const [n, c] = dims;
  const l = sizeOf(dims.slice(2));
  if (n === 1) return ctx.reshape(t, [c, l]);
  // perm [1, 0, 2] moves whole contiguous rows of L elements: cheap
  return ctx.reshape(ctx.transpose(ctx.reshape(t, [n, c, l]), [1, 0, 2]), [c, n * l]);
}

/**
 * Weight gradient of a grouped window op:
 *   result[g*P + p, q, kk] = sum over n, l of a[n, g*P + p, l] * unfold(src)[n, g*Q + q, kk, l]
 * where `a` ([N, G*P, out...]) pairs with the windows of `src` ([N, G*Q, in...]) that
 * `win` describes (win.out must equal a's spatial dims). Returns [G*P, Q, k...]. For Conv,
 * a = dY and src = X; for ConvTranspose, a = X and src = dY.
 */
export function correlate(
  ctx: GradContext,
  a: string,
  aDims: readonly number[],
  src: string,
  srcDims: readonly number[],
  win: Window,
  group: number,
): string {
  const gp = aDims[1];
  const gq = srcDims[1];
  const p = gp / group;
  const q = gq / group;
  const k = sizeOf(win.kernel);
  const n = aDims[0];
  const l = sizeOf(aDims.slice(2));

  // Unfold: a depthwise Conv whose kernel picks one tap per output channel (c*K + kk).
  // A 1x1 kernel at stride 1 without padding needs none: src already is its own unfold.
  const trivial = k === 1 && win.strides.every((s) => s === 1) && [...win.padBegin, ...win.padEnd].every((v) => v === 0);
  let cols = src;
  if (!trivial) {
    const eye = tensor(ctx.dtype, [gq * k, 1, ...win.kernel]);
    for (let c = 0; c < gq; c++) for (let t = 0; t < k; t++) (eye.data as Float64Array)[(c * k + t) * k + t] = 1;
    cols = ctx.b.op('Conv', [src, ctx.b.constant(eye, 'unfold_eye')], windowAttrs(win, gq));
  }
  const a2 = channelsByColumns(ctx, a, aDims); // [G*P, N*L]
  const c2 = channelsByColumns(ctx, cols, [n, gq * k, ...aDims.slice(2)]); // [G*Q*K, N*L]
  const wDims = [gp, q, ...win.kernel];
  if (group === 1) return ctx.reshape(ctx.gemm(a2, c2, { transB: true }), wDims);

  // Per group: [Q*K, N*L] x [N*L, P] as one batched MatMul. Transposing a (dY-sized) is
  // cheaper than transposing the K-times larger unfold, and free when P = 1 (depthwise).
  const c3 = ctx.reshape(c2, [group, q * k, n * l]);
  const aT = p === 1 ? ctx.reshape(a2, [group, n * l, 1]) : ctx.transpose(ctx.reshape(a2, [group, p, n * l]), [0, 2, 1]);
  const r = ctx.matmul(c3, aT); // [G, Q*K, P]
  return ctx.reshape(p === 1 ? r : ctx.transpose(r, [0, 2, 1]), wDims);
}
