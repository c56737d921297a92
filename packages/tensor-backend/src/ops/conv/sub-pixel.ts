/**
 * dX of a strided 2-D Conv with a constant weight in "sub-pixel" form: one stride-1 Conv
 * computes every stride phase of dX as channels, then a ConvTranspose whose kernel equals its
 * stride (windows that do not overlap) puts each phase at its positions.
 *
 * Along an axis with stride s and begin pad p, input position i = s q + r (phase r) receives
 * dY[o] through tap t exactly when o s - p + t = i, i.e. for the taps t = r + p (mod s), from
 * o = q + (r + p - t) / s. So phase r of dX correlates dY with the taps of that residue, and
 * all phases together are one Conv over dY with s^2 C output channels whose kernel holds W's
 * taps at their offsets (zeros elsewhere). The sums are the ConvTranspose's, grouped otherwise.
 *
 * Why: onnxruntime's ConvTranspose writes a k^2 C x (output positions) column buffer and folds
 * it back single-threaded (Col2Im). With few input channels (an image stem: 3 channels, 7x7,
 * stride 2) the fold is most of the work, while the phase Conv runs on onnxruntime's blocked,
 * multi-threaded kernel and the final fold has k = s (no overlap). Measured, 2 threads,
 * half-width ResNet-18 at 224 px: the stem's dX 1.3-1.7 ms -> 1.1-1.3 ms, forward+backward
 * 3.78-3.85x -> 3.59-3.67x the forward; unchanged at 64 px and on the full-width ResNet-18.
 * DepthToSpace in place of the final ConvTranspose took 0.41 ms (against 0.20). Every strided
 * layer in this form was slower (3.84x -> 3.93x): with many input channels the ConvTranspose's
 * GEMM dominates, and 3x3 stride 2 here costs 1.8x its multiply-adds.
 */
import type { GradContext } from '../../autodiff/types.js';
import { tensor, type Tensor } from '../../tensor/tensor.js';
import type { Window } from '../window/geometry.js';

/** Forward input channels below this take the sub-pixel form. */
export const SUB_PIXEL_MAX_CHANNELS = 8;

/** Per axis: each (phase, tap) pair that connects, with the dY offset it reads. */
function phaseTaps(k: number, s: number, p: number): { r: number; t: number; shift: number }[] {
  const out: { r: number; t: number; shift: number }[] = [];
  for (let r = 0; r < s; r++) for (let t = 0; t < k; t++) if ((((r + p - t) % s) + s) % s === 0) out.push({ r, t, shift: (r + p - t) / s });
  return out;
}

/**
 * The sub-pixel dX, or undefined where it does not apply: not 2-D, unequal strides,
 * dilation, not float, or a geometry that would need negative pads.
 */
export function subPixelInputGrad(ctx: GradContext, dy: string, w: Tensor, win: Window, inSpatial: readonly number[]): string | undefined {
  if (inSpatial.length !== 2 || win.dilations.some((d) => d !== 1)) return undefined;
  if (w.dtype !== 'float32' && w.dtype !== 'float64') return undefined;
  const s = win.strides[0];
  if (s < 2 || win.strides[1] !== s) return undefined;
  const [m, c] = w.dims;
  const axes = [0, 1].map((a) => {
    const taps = phaseTaps(win.kernel[a], s, win.padBegin[a]);
    const lo = Math.min(...taps.map((x) => x.shift));
    const hi = Math.max(...taps.map((x) => x.shift));
    const q = Math.ceil(inSpatial[a] / s); // phase positions, the last ones cropped below
    return { taps, lo, span: hi - lo + 1, q, padEnd: q + hi - win.out[a] };
  });
  if (axes.some((a) => a.lo > 0 || a.padEnd < 0)) return undefined;
  // phase channels rounded up to a multiple of 16, which onnxruntime's blocked (NCHWc) Conv needs
  const unit = 16 / [16, 8, 4, 2, 1].find((g) => (s * s) % g === 0)!;
  const cp = Math.ceil(c / unit) * unit;
  const [ah, aw] = axes;
  const [kh, kw] = win.kernel;
  const kernel = tensor(w.dtype, [s * s * cp, m, ah.span, aw.span]);
  const kd = kernel.data as Float64Array;
  const wd = w.data as Float64Array;
  for (const h of ah.taps) {
    for (const v of aw.taps) {
      for (let ch = 0; ch < c; ch++) {
        const oc = (h.r * s + v.r) * cp + ch;
        for (let mo = 0; mo < m; mo++) kd[((oc * m + mo) * ah.span + h.shift - ah.lo) * aw.span + v.shift - aw.lo] = wd[((mo * c + ch) * kh + h.t) * kw + v.t];
      }
    }
  }
  const phases = ctx.b.op('Conv', [dy, ctx.b.constant(kernel, 'subpixel_weight')], {
    kernel_shape: [ah.span, aw.span],
    pads: [-ah.lo, -aw.lo, ah.padEnd, aw.padEnd],
  });
  // phase (rh, rw) of channel ch goes to offset (rh, rw) of each s x s output block
  const place = tensor(w.dtype, [s * s * cp, cp, s, s]);
  for (let r = 0; r < s * s; r++) for (let ch = 0; ch < cp; ch++) (place.data as Float64Array)[((r * cp + ch) * cp + ch) * s * s + r] = 1;
  const full = ctx.b.op('ConvTranspose', [phases, ctx.b.constant(place, 'subpixel_place')], { kernel_shape: [s, s], strides: [s, s] });
  const exact = cp === c && ah.q * s === inSpatial[0] && aw.q * s === inSpatial[1];
  return exact ? full : ctx.slice(full, [0, 0, 0], [c, ...inSpatial], [1, 2, 3]);
}
