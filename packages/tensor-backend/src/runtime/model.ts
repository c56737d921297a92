/**
 * OnnxModel: a loaded model with forward runs and vector-Jacobian products on onnxruntime.
 * Gradient graphs are compiled once per (model hash, target tensor, wrt, returned values,
 * input dims) and cached; every call is then ONE session run returning the forward
 * outputs and the gradients together.
 */
import { GradlocError } from '../errors.js';
import { buildGradGraph, type GradGraph, type OutputRef } from '../autodiff/engine.js';
import type { RuleOverrides } from '../autodiff/types.js';
import { Graph } from '../ir/graph.js';
import { decodeModel, encodeModel, loadModel, modelHash } from '../onnx/model-io.js';
import { tensorFromProto } from '../onnx/tensor-proto.js';
import type { ModelProto } from '../onnx/schema.js';
import type { ValueType } from '../shape/types.js';
import { isFloat } from '../tensor/dtype.js';
import { formatDims, tensor, type Tensor } from '../tensor/tensor.js';
import { probeTypes } from './probe.js';
import { createSession, type RuntimeOptions, type Session } from './session.js';
import { parseTarget, seedFor, type Target } from './target.js';

export type Feeds = Readonly<Record<string, Tensor>>;

export interface VjpOptions {
  readonly feeds: Feeds;
  /** `'logits'` (scalar), `'logits[0,281]'`, or a Target (optionally with a seed). */
  readonly of: string | Target;
  /** Tensor names; `'@initializers'` expands to every float initializer. */
  readonly wrt: readonly string[];
  /** Forward values to return (default: the model's outputs). */
  readonly outputs?: readonly string[];
  /** Also return the forward values of the wrt tensors. */
  readonly wrtValues?: boolean;
  /** Rule overrides (e.g. guided backprop); give them a stable `overridesKey` for caching. */
  readonly overrides?: RuleOverrides;
  readonly overridesKey?: string;
}

export interface VjpResult {
  /** Forward values by name. */
  readonly outputs: Record<string, Tensor>;
  /** Gradient of the target w.r.t. each wrt tensor, by name. */
  readonly grads: Record<string, Tensor>;
  /** Forward value of each wrt tensor (when wrtValues). */
  readonly values: Record<string, Tensor>;
}

export interface CompiledGrad {
  readonly key: string;
  readonly gradGraph: GradGraph;
  readonly session: Session;
  readonly compileMs: number;
}

export class OnnxModel {
  private readonly compiled = new Map<string, Promise<CompiledGrad>>();
  private forwardSession?: Promise<Session>;
  private probed = new Map<string, ReadonlyMap<string, ValueType>>();
  readonly hash: string;

  private constructor(
    readonly graph: Graph,
    readonly bytes: Uint8Array,
    readonly options: RuntimeOptions,
  ) {
    this.hash = modelHash(bytes);
  }

  static load(path: string, options: RuntimeOptions = {}): OnnxModel {
    const proto = loadModel(path);
    return OnnxModel.fromProto(proto, options);
  }

  static fromBytes(bytes: Uint8Array, options: RuntimeOptions = {}): OnnxModel {
    return new OnnxModel(Graph.fromModel(decodeModel(bytes)), bytes, options);
  }

  static fromProto(proto: ModelProto, options: RuntimeOptions = {}): OnnxModel {
    return new OnnxModel(Graph.fromModel(proto), encodeModel(proto), options);
  }

  static fromGraph(graph: Graph, options: RuntimeOptions = {}): OnnxModel {
    return OnnxModel.fromProto(graph.toModel(), options);
  }

  get inputNames(): string[] {
    return this.graph.inputs.map((i) => i.name);
  }
  get outputNames(): string[] {
    return this.graph.outputs.map((o) => o.name);
  }

  /** Names of every float initializer (the model's weights). */
  floatInitializers(): string[] {
    return [...this.graph.initializers.entries()].filter(([, t]) => [1, 10, 11].includes(t.data_type ?? 1)).map(([k]) => k);
  }

  /** Decoded value of an initializer. */
  initializer(name: string): Tensor {
    const t = this.graph.initializers.get(name);
    if (!t) throw new GradlocError('UNKNOWN_TENSOR', `no initializer named '${name}'`);
    return tensorFromProto(t);
  }

  /** Forward run. */
  async run(feeds: Feeds, outputs?: readonly string[]): Promise<Record<string, Tensor>> {
    this.checkFeeds(feeds);
    this.forwardSession ??= createSession(this.bytes, this.options);
    const s = await this.forwardSession;
    return s.run(feeds, outputs);
  }

  /** Vector-Jacobian product (the primitive; grad targets are sugar over it). */
  async vjp(opts: VjpOptions): Promise<VjpResult> {
    const target = typeof opts.of === 'string' ? parseTarget(opts.of) : opts.of;
    const c = await this.compile(opts, target);
    const gg = c.gradGraph;
    const seed = seedFor(target, gg.seedType.dtype, gg.seedType.dims);
    const raw = await c.session.run({ ...opts.feeds, [gg.seed]: seed });
    const resolve = (ref: OutputRef): Tensor => {
      switch (ref.kind) {
        case 'output':
          return { dtype: raw[ref.name].dtype, dims: [...ref.dims], data: raw[ref.name].data };
        case 'zeros':
          return tensor(ref.dtype, ref.dims);
        case 'feed':
          return opts.feeds[ref.name];
        case 'initializer':
          return this.initializer(ref.name);
      }
    };
    const grads: Record<string, Tensor> = {};
    const values: Record<string, Tensor> = {};
    const outputs: Record<string, Tensor> = {};
    for (const [w, ref] of gg.grads) grads[w] = resolve(ref);
    for (const [w, ref] of gg.values) values[w] = resolve(ref);
    for (const o of gg.outputs) outputs[o] = raw[o];
    return { outputs, grads, values };
  }

  /** Sugar: gradient of a scalar target (an element or a scalar output). */
  async grad(feeds: Feeds, of: string | Target, wrt: readonly string[]): Promise<Record<string, Tensor>> {
    return (await this.vjp({ feeds, of, wrt })).grads;
  }

  /** Compiles (or fetches from the cache) the gradient session for these options and feed dims. */
  async compile(opts: VjpOptions, target: Target = typeof opts.of === 'string' ? parseTarget(opts.of) : opts.of): Promise<CompiledGrad> {
    this.checkFeeds(opts.feeds);
    const wrt = this.expandWrt(opts.wrt);
    const dims = Object.fromEntries(this.graph.inputs.map((i) => [i.name, [...opts.feeds[i.name].dims]]));
    const key = JSON.stringify({
      h: this.hash,
      of: target.output,
      wrt,
      out: opts.outputs ?? null,
      v: !!opts.wrtValues,
      o: opts.overrides ? (opts.overridesKey ?? Object.keys(opts.overrides).sort().join(',')) : null,
      dims,
    });
    let p = this.compiled.get(key);
    if (!p) {
      p = this.build(key, opts, target.output, wrt, dims);
      this.compiled.set(key, p);
      p.catch(() => this.compiled.delete(key));
    }
    return p;
  }

  private async build(key: string, opts: VjpOptions, of: string, wrt: string[], dims: Record<string, number[]>): Promise<CompiledGrad> {
    const t0 = performance.now();
    const spec = { of, wrt, outputs: opts.outputs, wrtValues: opts.wrtValues, overrides: opts.overrides };
    let gg: GradGraph;
    try {
      gg = buildGradGraph(this.graph, dims, spec, this.probed.get(JSON.stringify(dims)));
    } catch (e) {
      // Ops without a shape rule (e.g. com.microsoft fused ops off the gradient path):
      // ask onnxruntime for the shapes once, then build again.
      if (!(e instanceof GradlocError && e.code === 'UNSUPPORTED_OP' && e.message.startsWith('no shape rule'))) throw e;
      const fb = await probeTypes(this.graph, opts.feeds, this.options);
      this.probed.set(JSON.stringify(dims), fb);
      gg = buildGradGraph(this.graph, dims, spec, fb);
    }
    const session = await createSession(encodeModel(gg.graph.toModel({ keepValueInfo: false })), this.options);
    return { key, gradGraph: gg, session, compileMs: performance.now() - t0 };
  }

  /** `@initializers` -> every float initializer; duplicates removed, order kept. */
  expandWrt(wrt: readonly string[]): string[] {
    const out: string[] = [];
    for (const w of wrt) {
      if (w === '@initializers') out.push(...this.floatInitializers());
      else out.push(w);
    }
    return [...new Set(out)];
  }

  private checkFeeds(feeds: Feeds): void {
    for (const inp of this.graph.inputs) {
      const f = feeds[inp.name];
      if (!f) throw new GradlocError('BAD_INPUT', `missing feed for model input '${inp.name}' (${inp.dtype} ${formatDims((inp.dims ?? []).map((d) => (typeof d === 'number' ? d : -1)))})`);
      if (f.dtype !== inp.dtype) {
        throw new GradlocError('DTYPE_MISMATCH', `feed '${inp.name}' is ${f.dtype}, the model expects ${inp.dtype}`);
      }
      if (inp.dims && (inp.dims.length !== f.dims.length || inp.dims.some((d, i) => typeof d === 'number' && d !== f.dims[i]))) {
        throw new GradlocError(
          'SHAPE_MISMATCH',
          `feed '${inp.name}' has dims ${formatDims(f.dims)}, the model expects [${inp.dims.map((d) => d ?? '?').join(', ')}]`,
        );
      }
    }
    const known = new Set(this.graph.inputs.map((i) => i.name));
    for (const k of Object.keys(feeds)) {
      if (!known.has(k)) throw new GradlocError('UNKNOWN_TENSOR', `feed '${k}' is not an input of the model (inputs: ${[...known].join(', ')})`);
    }
  }

  /** Releases every onnxruntime session this model holds. */
  async release(): Promise<void> {
    const all = [...this.compiled.values()];
    this.compiled.clear();
    for (const p of all) await (await p.catch(() => undefined))?.session.release();
    // a session that failed to load has nothing to release (its error went to the run that asked)
    if (this.forwardSession) await (await this.forwardSession.catch(() => undefined))?.release();
    this.forwardSession = undefined;
  }
}

export const isFloatTensor = (t: Tensor): boolean => isFloat(t.dtype);
