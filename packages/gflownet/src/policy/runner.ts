/**
 * The policy for sampling: the MLP alone as an onnxruntime session whose weights are inputs,
 * fed from the trainer's live arrays (no copy, always the current weights): one engine call
 * per sampling step for the whole batch.
 */
import { float32, OnnxModel, promoteInitializers, type FloatArray, type RuntimeOptions, type Tensor } from '@gradloc/tensor-backend';
import { outputWidth, policyGraph, type PolicyOptions, type PolicyShape } from './mlp.js';

export class PolicyRunner {
  readonly width: number;
  private readonly model: OnnxModel;
  private readonly dims: Map<string, number[]>;

  constructor(
    readonly shape: PolicyShape,
    opts: PolicyOptions,
    private readonly weights: () => ReadonlyMap<string, FloatArray>,
    runtime: RuntimeOptions = {},
  ) {
    const { net, params } = policyGraph(shape, opts);
    this.model = OnnxModel.fromGraph(promoteInitializers(net.graph, params), runtime);
    this.width = outputWidth(shape);
    this.dims = new Map(params.map((p) => [p, net.graph.initializers.get(p)!.dims.map(Number)]));
  }

  /** Policy outputs [rows, width] of the encodings `x` ([rows, inputSize]). */
  async run(x: Float32Array, rows: number): Promise<Float32Array> {
    const feeds: Record<string, Tensor> = { x: float32([rows, this.shape.inputSize], x.subarray(0, rows * this.shape.inputSize)) };
    const live = this.weights();
    for (const [name, dims] of this.dims) feeds[name] = { dtype: 'float32', dims, data: live.get(name)! };
    const out = await this.model.run(feeds, ['policy']);
    return out.policy.data as Float32Array;
  }

  release(): Promise<void> {
    return this.model.release();
  }
}
