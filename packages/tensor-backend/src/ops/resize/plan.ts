/**
 * The resolved plan of a Resize (opsets 10-19) or the deprecated Upsample: output dims,
 * per-axis float32 scales and interpolation attributes. The shape rule reads its output
 * dims; the gradient rule builds its interpolation matrices from it.
 */
import { normAxis } from '../../shape/broadcast.js';
import type { NodeSource } from '../../shape/types.js';
import { toNumbers, type Tensor } from '../../tensor/tensor.js';

export type ResizeMode = 'nearest' | 'linear' | 'cubic';

export interface ResizePlan {
  readonly outDims: readonly number[];
  /** Per-axis scale as onnxruntime holds it (float32; out/in when sizes are given). */
  readonly scales: readonly number[];
  readonly mode: ResizeMode;
  readonly coordinate: string;
  /** 'simple' for Upsample and Resize-10, which predate nearest_mode. */
  readonly nearestMode: string;
  readonly cubicA: number;
  readonly excludeOutside: boolean;
  readonly antialias: boolean;
}

const f32 = Math.fround;

/** Places per-axis values given for `axes` (opset 18) into a full-rank list. */
function spread(values: number[], axes: readonly number[], rank: number, fill: (axis: number) => number, src: NodeSource): number[] {
  if (!axes.length) {
    if (values.length !== rank) src.fail(`expected ${rank} scales/sizes, got ${values.length}`);
    return values;
  }
  if (values.length !== axes.length) src.fail(`expected ${axes.length} scales/sizes (one per axis), got ${values.length}`);
  const out = Array.from({ length: rank }, (_, a) => fill(a));
  axes.forEach((a, i) => (out[a] = values[i]));
  return out;
}

export function resizePlan(src: NodeSource): ResizePlan {
  const { attrs, inDims, opset } = src;
  const rank = inDims.length;
  const legacy = src.op === 'Upsample' || opset < 11;
  const mode = attrs.string('mode', 'nearest') as ResizeMode;
  if (!['nearest', 'linear', 'cubic'].includes(mode)) src.fail(`unknown mode '${mode}'`);
  const axes = legacy ? [] : attrs.ints('axes', []).map((a) => normAxis(a, rank, 'Resize axes'));
  const constant = (i: number, what: string): Tensor => {
    const v = src.value(i);
    if (!v) src.fail(`${what} must be known when the graph is compiled; it depends on runtime values`);
    return v;
  };

  let scales: number[];
  let outDims: number[];
  const sizes = !legacy && src.has(3) ? constant(3, 'sizes') : undefined;
  if (sizes && sizes.data.length > 0) {
    outDims = spread(toNumbers(sizes), axes, rank, (a) => inDims[a], src);
    scales = outDims.map((o, a) => (inDims[a] === 0 ? 1 : f32(o / inDims[a])));
    const policy = attrs.string('keep_aspect_ratio_policy', 'stretch');
    if (policy !== 'stretch') {
      const chosen = axes.length ? axes : inDims.map((_, a) => a);
      const pick = policy === 'not_larger' ? Math.min : Math.max;
      const s = pick(...chosen.map((a) => scales[a]));
      scales = scales.map((_, a) => (chosen.includes(a) ? s : 1));
      outDims = outDims.map((_, a) => (chosen.includes(a) ? Math.round(f32(s * inDims[a])) : inDims[a]));
    }
  } else {
    let raw: number[] = [];
    if (src.op === 'Upsample' && opset < 9) raw = attrs.floats('scales');
    else if (src.has(legacy ? 1 : 2)) raw = toNumbers(constant(legacy ? 1 : 2, 'scales'));
    if (!raw.length) src.fail('needs scales or sizes');
    scales = spread(raw.map(f32), axes, rank, () => 1, src);
    outDims = scales.map((s, a) => Math.trunc(f32(s * inDims[a])));
  }
  if (outDims.some((d) => d <= 0)) src.fail(`output dims [${outDims.join(', ')}] must be positive`);
  return {
    outDims,
    scales,
    mode,
    coordinate: legacy ? 'asymmetric' : attrs.string('coordinate_transformation_mode', 'half_pixel'),
    nearestMode: legacy ? 'simple' : attrs.string('nearest_mode', 'round_prefer_floor'),
    cubicA: attrs.float('cubic_coeff_a', -0.75),
    excludeOutside: attrs.int('exclude_outside', 0) !== 0,
    antialias: attrs.int('antialias', 0) !== 0,
  };
}
