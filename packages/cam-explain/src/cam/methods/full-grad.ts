/**
 * FullGrad (Srinivas & Fleuret 2019), as pytorch-grad-cam computes it: |x * dy/dx| per input
 * channel plus, for every Conv with a bias and every BatchNormalization (their effective
 * bias beta - mean * gamma / sqrt(var + eps)), |bias_c * dy/dz_c| of its output z; each
 * channel plane min-max scaled and upsampled, all summed. It ignores the request's layers:
 * the bias sites are found in the graph, and one backward pass gives every gradient.
 */
import { GradlocError, tensorFromProto, type OnnxModel, resizeBilinear } from '@gradloc/tensor-backend';
import { capture } from '../../capture.js';
import { minMaxNormalize, relu } from '../../image/normalize.js';
import { imageInput, type CamMethod, type CamResult, type ExplainRequest } from '../base-cam.js';
import { fmt, newDiagnoses, nonFiniteNote, rangeOf, resultWarnings, zeroNonFinite } from '../warnings.js';

interface BiasSite {
  readonly output: string;
  readonly bias: Float64Array;
}

function biasSites(model: OnnxModel): BiasSite[] {
  const g = model.graph;
  const values = (name: string): Float64Array | undefined => {
    const p = g.initializers.get(name);
    return p ? Float64Array.from(tensorFromProto(p).data as ArrayLike<number>, Number) : undefined;
  };
  const sites: BiasSite[] = [];
  for (const n of g.nodes) {
    if (n.op === 'Conv' && n.inputs[2]) {
      const bias = values(n.inputs[2]);
      if (bias) sites.push({ output: n.outputs[0], bias });
    } else if (n.op === 'BatchNormalization') {
      const [scale, beta, mean, variance] = n.inputs.slice(1).map(values);
      if (!scale || !beta || !mean || !variance) continue;
      const eps = n.attrs.float('epsilon', 1e-5);
      sites.push({ output: n.outputs[0], bias: beta.map((b, c) => b - (mean[c] * scale[c]) / Math.sqrt(variance[c] + eps)) });
    }
  }
  return sites;
}

/**
 * Adds, per item, the sum over channels of min-max(|scale_c * grad_c|) upsampled, to `total`;
 * counts per item the planes that were not constant (a constant plane scales to 0).
 */
function addScaledPlanes(total: Float32Array, grad: ArrayLike<number>, dims: readonly number[], scale: (c: number, i: number) => number, H: number, W: number, varying: Int32Array): void {
  const [B, C, h, w] = dims;
  const n = h * w;
  for (let b = 0; b < B; b++) {
    const sum = new Float32Array(n);
    const plane = new Float32Array(n);
    for (let c = 0; c < C; c++) {
      const base = (b * C + c) * n;
      for (let p = 0; p < n; p++) plane[p] = Math.abs(scale(c, base + p) * grad[base + p]);
      const { min, max } = rangeOf(plane);
      if (min !== max) varying[b]++;
      minMaxNormalize(plane);
      for (let p = 0; p < n; p++) sum[p] += plane[p];
    }
    // normalising before resizing (as pytorch-grad-cam) lets one resize serve all channels
    const up = resizeBilinear(sum, 1, h, w, H, W);
    for (let i = 0; i < H * W; i++) total[b * H * W + i] += up[i];
  }
}

export class FullGrad implements CamMethod {
  readonly name = 'fullgrad';

  async explain(request: ExplainRequest): Promise<CamResult> {
    const { name: input, tensor: image } = imageInput(request.model, request.feeds, request.input);
    const [B, , H, W] = image.dims;
    const sites = biasSites(request.model);
    const cap = await capture(request.model, request.feeds, request.target, { layers: [], extraWrt: [input, ...sites.map((s) => s.output)] });
    const total = new Float32Array(B * H * W);
    const x = image.data as ArrayLike<number>;
    const varying = new Int32Array(B);
    let planes = image.dims[1];
    let used = 0;
    addScaledPlanes(total, cap.extra[input].data as ArrayLike<number>, image.dims, (_c, i) => x[i], H, W, varying);
    for (const s of sites) {
      const g = cap.extra[s.output];
      if (g.dims.length !== 4) continue;
      if (g.dims[1] !== s.bias.length) throw new GradlocError('SHAPE_MISMATCH', `bias of '${s.output}' has ${s.bias.length} channels, the output ${g.dims[1]}`);
      addScaledPlanes(total, g.data as ArrayLike<number>, g.dims, (c) => s.bias[c], H, W, varying);
      planes += g.dims[1];
      used++;
    }
    const diagnoses = newDiagnoses(B);
    for (let b = 0; b < B; b++) {
      const bad = zeroNonFinite(total, b * H * W, (b + 1) * H * W);
      if (bad > 0) diagnoses[b].notes.push(nonFiniteNote(bad, H * W, 'the summed planes'));
      const { min, max } = rangeOf(total, b * H * W, (b + 1) * H * W);
      if (min !== max) continue;
      diagnoses[b].zeroReasons.push(
        varying[b] === 0
          ? `all ${planes} planes (|x * dy/dx| per input channel, |bias * dy/dz| per channel of ${used} bias sites) are constant over their grids (e.g. a gradient of 0 everywhere), so min-max scaled each to 0`
          : `the ${planes} scaled planes add up to a constant (${fmt(max)}), which min-max scaling sends to 0`,
      );
    }
    const maps = minMaxNormalize(relu(total), H * W);
    return { batch: B, height: H, width: W, maps, scores: cap.scores, warnings: resultWarnings(this.name, maps, B, H * W, diagnoses) };
  }
}
