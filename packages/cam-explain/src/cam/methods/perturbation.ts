/**
 * Gradient-free CAMs: channel weights from batched forward passes over perturbed copies.
 */
import { GradlocError, Graph, Node, OnnxModel, tensor, type ResizeAlignment, type Tensor, resizeBilinear } from '@gradloc/tensor-backend';
import { WeightedCAM, type CamOptions, type LayerContext } from '../base-cam.js';
import { minMaxNormalize } from '../../image/normalize.js';
import { perturbedScores } from '../../perturb.js';
import { mapSize } from '../../spatial.js';

export interface PerturbationCamOptions extends CamOptions {
  /** Perturbed copies per forward pass (default 32). */
  readonly batchSize?: number;
}

export interface ScoreCamOptions extends PerturbationCamOptions {
  /**
   * How the channel maps are upsampled into masks: 'align-corners' (default; pytorch-grad-cam's
   * nn.UpsamplingBilinear2d, so maps equal that library's) or 'half-pixel' (the centres every
   * other map here is upsampled with; this package's default before 0.2). On small grids the
   * two differ a lot: on a 2x2 layer the maps correlate at r = 0.43.
   */
  readonly upsample?: ResizeAlignment;
}

function softmax(xs: Float64Array): Float64Array {
  const max = Math.max(...xs);
  const e = xs.map((x) => Math.exp(x - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((x) => x / s);
}

/**
 * Score-CAM (Wang et al. 2020): each channel, upsampled to the image and min-max scaled to
 * [0, 1], masks the input; the target's value (e.g. the logit) on the masked image, softmaxed
 * over channels, is the channel's weight. As pytorch-grad-cam: masks upsampled with
 * align_corners=True and scaled by (x - min) / (max - min + 1e-8) (option `upsample`).
 */
export class ScoreCAM extends WeightedCAM {
  readonly name = 'scorecam';
  override readonly usesGradients = false;
  constructor(override readonly options: ScoreCamOptions = {}) {
    super(options);
  }

  protected async weights({ request, capture, layer, input }: LayerContext): Promise<Float64Array> {
    const a = layer.activations;
    const image = request.feeds[input];
    const [, C, H, W] = image.dims;
    const target = request.target.freeze(capture.outputs);
    const K = a.channels;
    const n = mapSize(a);
    const w = new Float64Array(a.batch * K);
    for (let b = 0; b < a.batch; b++) {
      const upsampled = resizeBilinear(a.data.subarray(b * K * n, (b + 1) * K * n), K, a.height, a.width, H, W, this.options.upsample ?? 'align-corners');
      const masks = minMaxNormalize(upsampled, H * W, 1e-8);
      const scores = await perturbedScores({ model: request.model, feeds: request.feeds, input, target, batchSize: this.options.batchSize, measure: 'value' }, b, K, (k, dst, src) => {
        const m = masks.subarray(k * H * W, (k + 1) * H * W);
        for (let c = 0; c < C; c++) for (let p = 0; p < H * W; p++) dst[c * H * W + p] = src[c * H * W + p] * m[p];
      });
      w.set(softmax(scores), b * K);
    }
    return w;
  }
}

/**
 * Ablation-CAM (Desai & Ramaswamy 2020): weight_k = (y - y_k) / y, where y_k is the target's
 * value with channel k of the layer set to zero. A copy of the graph multiplies the layer's
 * output by a mask input, so the K ablations run as batched forward passes of the unchanged
 * image (one mask row per ablated channel).
 */
export class AblationCAM extends WeightedCAM {
  readonly name = 'ablationcam';
  override readonly usesGradients = false;
  private readonly ablated = new WeakMap<OnnxModel, Map<string, OnnxModel>>();
  constructor(override readonly options: PerturbationCamOptions = {}) {
    super(options);
  }

  protected async weights({ request, capture, layer, input }: LayerContext): Promise<Float64Array> {
    const a = layer.activations;
    const K = a.channels;
    const target = request.target.freeze(capture.outputs);
    const original = target.value(capture.outputs);
    const runModel = this.ablationModel(request.model, layer.name);
    // channels are axis 1 of a feature map, the last axis of tokens
    const maskDims = (rows: number): number[] => (a.source === 'tokens' ? [rows, 1, K] : [rows, K, 1, 1]);
    const extra = (start: number, rows: number): Record<string, Tensor> => {
      const mask = new Float32Array(rows * K).fill(1);
      for (let r = 0; r < rows; r++) mask[r * K + start + r] = 0;
      return { [ABLATION_MASK]: tensor('float32', maskDims(rows), mask) };
    };
    const w = new Float64Array(a.batch * K);
    for (let b = 0; b < a.batch; b++) {
      const req = { model: request.model, runModel, feeds: request.feeds, input, target, batchSize: this.options.batchSize, measure: 'value', extra } as const;
      const ablatedValues = await perturbedScores(req, b, K, (_k, dst, src) => dst.set(src));
      const y = original[b];
      for (let k = 0; k < K; k++) w[b * K + k] = (y - ablatedValues[k]) / (y === 0 ? 1e-7 : y);
    }
    return w;
  }

  private ablationModel(model: OnnxModel, layer: string): OnnxModel {
    let byLayer = this.ablated.get(model);
    if (!byLayer) this.ablated.set(model, (byLayer = new Map()));
    let m = byLayer.get(layer);
    if (!m) byLayer.set(layer, (m = ablationGraph(model, layer)));
    return m;
  }
}

export const ABLATION_MASK = 'cam.ablation_mask';

/** A copy of the graph in which every consumer of `layer` reads `layer * cam.ablation_mask`. */
function ablationGraph(model: OnnxModel, layer: string): OnnxModel {
  // a deep copy: the nodes' protos are rewired below and must not be the model's own
  const g = Graph.fromModel(structuredClone(model.graph.toModel()));
  const producer = g.nodes.findIndex((n) => n.outputs.includes(layer));
  if (producer < 0) throw new GradlocError('UNKNOWN_TENSOR', `no node produces '${layer}'`);
  const masked = `${layer}.ablated`;
  for (const n of g.nodes) n.proto.input = n.inputs.map((x) => (x === layer ? masked : x));
  g.inputs.push({ name: ABLATION_MASK, dtype: 'float32', dims: null });
  g.nodes.splice(producer + 1, 0, new Node({ op_type: 'Mul', input: [layer, ABLATION_MASK], output: [masked], name: 'cam.ablation', attribute: [] }));
  g.outputs = g.outputs.map((o) => (o.name === layer ? { ...o, name: masked } : o));
  return OnnxModel.fromGraph(g, model.options);
}
