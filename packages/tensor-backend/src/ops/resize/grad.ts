/**
 * Gradient of Resize and Upsample w.r.t. X. With static shapes the op is linear in X and
 * separable: along each resized axis, out = M x for an [out, in] interpolation matrix that
 * depends only on the attributes. The matrices are built here at compile time with
 * onnxruntime's float32 coordinate arithmetic; the backward applies M^T along each axis
 * with MatMul (nearest with an integer upscale is a plain block sum instead).
 */
import { gradSource, type GradContext, type GradRule } from '../../autodiff/types.js';
import { sizeOf, tensor } from '../../tensor/tensor.js';
import { resizePlan, type ResizePlan } from './plan.js';

const f32 = Math.fround;
type Fail = (message: string) => never;

/** Source coordinate of output index x (onnxruntime's get_original_coordinate, in float32). */
function sourceCoordinate(plan: ResizePlan, x: number, scale: number, outLen: number, inLen: number, fail: Fail): number {
  switch (plan.coordinate) {
    case 'half_pixel':
      return f32(f32(f32(x + 0.5) / scale) - 0.5);
    case 'asymmetric':
      return f32(x / scale);
    case 'pytorch_half_pixel':
      return outLen > 1 ? f32(f32(f32(x + 0.5) / scale) - 0.5) : 0;
    case 'tf_half_pixel_for_nn':
      return f32(f32(x + 0.5) / scale);
    case 'align_corners':
      return outLen === 1 ? 0 : f32(f32(x * (inLen - 1)) / (outLen - 1));
    case 'half_pixel_symmetric': {
      const adjustment = f32(outLen / f32(scale * inLen));
      const offset = f32(f32(inLen / 2) * f32(1 - adjustment));
      return f32(offset + (x + 0.5) / scale - 0.5); // onnxruntime mixes in double here
    }
    default:
      return fail(`coordinate_transformation_mode '${plan.coordinate}' is not supported by the gradient`);
  }
}

/** Nearest input index before clamping (onnxruntime's get_nearest_pixel). */
function nearestIndex(mode: string, x: number, downsample: boolean): number {
  const roundAway = (v: number): number => Math.sign(v) * Math.round(Math.abs(v));
  switch (mode) {
    case 'simple':
      return downsample ? Math.ceil(x) : Math.trunc(x);
    case 'round_prefer_ceil':
      return roundAway(x);
    case 'floor':
      return Math.floor(x);
    case 'ceil':
      return Math.ceil(x);
    default: // round_prefer_floor
      return x === Math.trunc(x) + 0.5 ? Math.floor(x) : roundAway(x);
  }
}

/** Keys cubic convolution weights of the 4 taps around fractional offset s. */
function cubicWeights(s: number, a: number): number[] {
  const w = (t: number): number => {
    const u = Math.abs(t);
    if (u <= 1) return ((a + 2) * u - (a + 3)) * u * u + 1;
    return ((a * u - 5 * a) * u + 8 * a) * u - 4 * a;
  };
  return [w(s + 1), w(s), w(1 - s), w(2 - s)].map(f32);
}

/** The [outLen, inLen] interpolation matrix of one axis (row-major). */
function axisMatrix(plan: ResizePlan, axis: number, inLen: number, fail: Fail): Float64Array {
  const outLen = plan.outDims[axis];
  const scale = plan.scales[axis];
  const m = new Float64Array(outLen * inLen);
  const clampIdx = (i: number): number => Math.min(inLen - 1, Math.max(0, i));
  for (let o = 0; o < outLen; o++) {
    const x = sourceCoordinate(plan, o, scale, outLen, inLen, fail);
    const row = o * inLen;
    if (plan.mode === 'nearest') {
      m[row + clampIdx(nearestIndex(plan.nearestMode, x, scale < 1))] = 1;
    } else if (plan.mode === 'linear') {
      const c = Math.min(inLen - 1, Math.max(0, x));
      const i1 = Math.min(Math.trunc(c), inLen - 1);
      const i2 = Math.min(i1 + 1, inLen - 1);
      if (i1 === i2) m[row + i1] += 1;
      else {
        m[row + i1] += f32(Math.abs(c - i2));
        m[row + i2] += f32(Math.abs(c - i1));
      }
    } else {
      const base = Math.floor(x);
      let w = cubicWeights(f32(x - base), plan.cubicA);
      if (plan.excludeOutside) {
        w = w.map((v, j) => (base - 1 + j < 0 || base - 1 + j >= inLen ? 0 : v));
        const sum = w.reduce((p, q) => p + q, 0);
        w = w.map((v) => v / sum);
      }
      w.forEach((v, j) => (m[row + clampIdx(base - 1 + j)] += v));
    }
  }
  return m;
}

/** The integer f when every input index i feeds exactly outputs [i*f, (i+1)*f), else 0. */
function blockFactor(m: Float64Array, outLen: number, inLen: number): number {
  if (outLen % inLen !== 0) return 0;
  const f = outLen / inLen;
  for (let o = 0; o < outLen; o++) if (m[o * inLen + Math.floor(o / f)] !== 1) return 0;
  return f;
}

/** Applies M^T along `axis` of g (dims `dims`, where dims[axis] = out): one axis' adjoint. */
function adjointAxis(ctx: GradContext, g: string, dims: readonly number[], axis: number, m: Float64Array, inLen: number): string {
  const outLen = dims[axis];
  const pre = sizeOf(dims.slice(0, axis));
  const post = sizeOf(dims.slice(axis + 1));
  const f = blockFactor(m, outLen, inLen);
  if (f > 1) {
    // nearest upscale by an integer factor: each input feeds a block of f outputs. No
    // trailing 1 in the reshape: onnxruntime's ReduceSum is ~50x slower with one.
    return ctx.reduceSum(ctx.reshape(g, post === 1 ? [pre, inLen, f] : [pre, inLen, f, post]), [2], false);
  }
  if (post === 1) {
    // last axis: [pre, out] x [out, in]
    const mt = ctx.b.constant(tensor(ctx.dtype, [outLen, inLen], Array.from(m)), 'resize_matrix');
    return ctx.matmul(ctx.reshape(g, [pre, outLen]), mt);
  }
  // inner axis: [in, out] x [pre, out, post], broadcast over pre
  const t = new Array<number>(inLen * outLen);
  for (let o = 0; o < outLen; o++) for (let i = 0; i < inLen; i++) t[i * outLen + o] = m[o * inLen + i];
  const mtT = ctx.b.constant(tensor(ctx.dtype, [inLen, outLen], t), 'resize_matrix_t');
  return ctx.matmul(mtT, ctx.reshape(g, pre === 1 ? [outLen, post] : [pre, outLen, post]));
}

export const resizeGrad: GradRule = (ctx) => {
  if (!ctx.needs[0]) return [null];
  const xd = ctx.xDims(0);
  const plan = resizePlan(gradSource(ctx));
  if (plan.antialias) ctx.fail('antialias=1 is not supported by the gradient');
  if (plan.coordinate === 'tf_crop_and_resize') ctx.fail("coordinate_transformation_mode 'tf_crop_and_resize' is not supported by the gradient");
  let g = ctx.dy[0]!;
  const dims = [...plan.outDims];
  for (let axis = dims.length - 1; axis >= 0; axis--) {
    // scale 1 is an exact identity in onnxruntime, whatever the coordinate mode
    if (plan.scales[axis] === 1 && dims[axis] === xd[axis]) continue;
    g = adjointAxis(ctx, g, dims, axis, axisMatrix(plan, axis, xd[axis], ctx.fail), xd[axis]);
    dims[axis] = xd[axis];
  }
  return [ctx.reshape(g, xd)];
};
