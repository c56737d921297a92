/**
 * Net: the state every model builder shares (graph, builder, opset emitters, seeded
 * PRNG, dtype) and the ways it adds values: named weights (initializers) and float
 * scalars (Constant nodes).
 *
 * Float scalars are Constant nodes, as torch.onnx exports write them, not initializers:
 * then every float initializer is a trainable weight, so `wrt: ['@initializers']` means
 * "all weights" and never differentiates w.r.t. a LayerNorm epsilon or a Pow exponent.
 */
import { GradlocError } from '../errors.js';
import { GraphBuilder, type AttrMap } from '../ir/builder.js';
import { Emit } from '../ir/emit.js';
import { Graph } from '../ir/graph.js';
import { normal, randn, rng, type Rand } from '../tensor/random.js';
import { tensor, type Tensor } from '../tensor/tensor.js';

export type FloatDType = 'float32' | 'float64';

export interface BaseModelOptions {
  /** Seed of the weight initialisation (same seed, same weights). */
  readonly seed: number;
  /** Element type of weights and activations (default float32). */
  readonly dtype?: FloatDType;
  /** Default-domain opset of the graph (default 17). */
  readonly opset?: number;
}

/** Metadata keys the builders write and `sampleFeeds` reads. */
export const MODEL_META = {
  model: 'gradloc.model',
  /** `gradloc.dim.<dim_param>`: default size of a symbolic dimension. */
  dim: (param: string): string => `gradloc.dim.${param}`,
  /** `gradloc.range.<input>`: "lo,hi" half-open range of an integer input (token ids). */
  range: (input: string): string => `gradloc.range.${input}`,
  /** Suggested tensor for CAM-style explanations (last block output). */
  targetLayer: 'gradloc.target_layer',
} as const;

export class Net {
  readonly graph: Graph;
  readonly b: GraphBuilder;
  readonly emit: Emit;
  readonly rand: Rand;
  readonly dtype: FloatDType;
  private readonly scalars = new Map<number, string>();

  constructor(opts: BaseModelOptions, name: string) {
    if (!Number.isFinite(opts.seed)) throw new GradlocError('BAD_INPUT', `${name}: seed must be a finite number`);
    this.dtype = opts.dtype ?? 'float32';
    this.graph = Graph.create(opts.opset ?? 17, name);
    this.b = new GraphBuilder(this.graph);
    this.emit = new Emit(this.b, this.graph.opset(''));
    this.rand = rng(opts.seed);
    this.meta(MODEL_META.model, name);
  }

  meta(key: string, value: string | number): void {
    const props = this.graph.metadata;
    const existing = props.find((p) => p.key === key);
    if (existing) existing.value = String(value);
    else props.push({ key, value: String(value) });
  }

  /** A weight initializer named `name` (PyTorch parameter path, e.g. `layer1.0.conv1.weight`). */
  param(name: string, t: Tensor): string {
    return this.b.initializer(t, name);
  }

  /** A weight of N(0, std^2) draws. */
  normal(name: string, dims: readonly number[], std: number): string {
    return this.param(name, randn(this.dtype, dims, this.rand, std));
  }

  /** A weight of `center + N(0, spread^2)` draws (norm scales near 1, small shifts). */
  around(name: string, dims: readonly number[], center: number, spread: number): string {
    return this.param(name, randn(this.dtype, dims, this.rand, spread, center));
  }

  /** A weight of |N(0, spread^2)| + floor draws (BatchNorm running variances). */
  positive(name: string, dims: readonly number[], floor: number, spread: number): string {
    const t = tensor(this.dtype, dims);
    const d = t.data as Float32Array | Float64Array;
    for (let i = 0; i < d.length; i++) d[i] = floor + Math.abs(spread * normal(this.rand));
    return this.param(name, t);
  }

  /** A float scalar of the model dtype, as a (deduplicated) Constant node. */
  scalar(v: number): string {
    let name = this.scalars.get(v);
    if (!name) {
      name = this.b.op('Constant', [], { value: tensor(this.dtype, [], [v]) }, { outputs: [this.b.fresh('const')] });
      this.scalars.set(v, name);
    }
    return name;
  }

  /** A single-output node whose output gets a readable name (a module path) when given. */
  op(op: string, inputs: readonly string[], attrs: AttrMap = {}, name?: string): string {
    return this.b.op(op, inputs, attrs, name ? { outputs: [this.b.fresh(name)] } : {});
  }
}
