/**
 * Trainer: gradient-descent training of an ONNX graph's initializers on onnxruntime.
 *
 * The trainable initializers are promoted to graph inputs once; each step is ONE session run
 * (forward, loss, gradients of every parameter, any extra forward outputs), then hooks,
 * global-norm clipping and the optimizer update run in JS over typed arrays that the next
 * run feeds back without copies. Frozen initializers stay initializers (fast prepacked
 * kernels).
 */
import { GradlocError } from '../errors.js';
import { Graph } from '../ir/graph.js';
import { promoteInitializers } from '../ir/promote.js';
import type { SaveOptions } from '../onnx/model-io.js';
import { saveModel } from '../onnx/model-io.js';
import type { ModelProto } from '../onnx/schema.js';
import { tensorFromProto, tensorToProto } from '../onnx/tensor-proto.js';
import { OnnxModel, type Feeds } from '../runtime/model.js';
import type { RuntimeOptions } from '../runtime/session.js';
import { rng, type Rand, type SeededRand } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
import { CHECKPOINT_FILES, TRAIN_META, readCheckpoint, stateTensorName, writeCheckpoint } from './checkpoint.js';
import { clipScale, globalNorm } from './clip.js';
import { dtypeOf, requireTrainable, zerosLike, type FloatArray } from './float-array.js';
import { GradRunner } from './grad-runner.js';
import { GroupLayout, REST_GROUP, type MaskedGroups, type ParamGroup } from './groups.js';
import type { GlobalGradHook, GradHook, HookSpec } from './hooks.js';
import type { Optimizer, ParamState, UpdateContext } from './optimizer.js';
import { optimizerFromConfig } from './optimizer-from-config.js';
import { matchesParam, type ParamMatcher } from './param-matcher.js';
import { selectParams } from './params.js';
import { scheduleFromConfig, type Schedule } from './schedule.js';

export interface TrainerOptions {
  /** Forward graph with the weights as initializers and a scalar loss output. */
  readonly model: Graph | OnnxModel;
  /** Name of the scalar loss tensor (default 'loss'). */
  readonly loss?: string;
  /** Parameters to train (default: every float weight initializer, see selectParams); the rest stay frozen. */
  readonly params?: ParamMatcher | readonly string[];
  readonly optimizer: Optimizer;
  /** Learning rate per step (default: the optimizer's lr, constant). */
  readonly schedule?: Schedule;
  /** Clip gradients to this global L2 norm (after hooks). */
  readonly clipNorm?: number;
  readonly hooks?: readonly HookSpec[];
  /** Runs after the per-parameter hooks, before clipping. */
  readonly globalHook?: GlobalGradHook;
  /** Forward values every step returns besides the loss (e.g. logits for accuracy). */
  readonly outputs?: readonly string[];
  /** Seed of `trainer.rand` (data order, augmentation); its state is checkpointed. Default 0. */
  readonly seed?: number;
  /** Default: the OnnxModel's options, else onnxruntime's defaults. */
  readonly runtime?: RuntimeOptions;
  /** Let onnxruntime write gradients into the trainer's buffers (default true; false copies them, for comparison). */
  readonly preallocateGrads?: boolean;
  /**
   * Parameter groups of slices (groups.ts); elements in none form `restGroup`. A step can then
   * update only some groups (StepOptions.groups).
   */
  readonly groups?: readonly ParamGroup[];
  /** Name of the elements in no group (default 'rest'). */
  readonly restGroup?: string;
  /**
   * Groups a step does not update: 'skip' (default) leaves them and their optimizer state
   * untouched and counts Adam's bias correction per group; 'step' steps them with a zero
   * gradient, as one optimizer over all parameters would.
   */
  readonly maskedGroups?: MaskedGroups;
}

export interface StepOptions {
  /** Groups this batch may update (default all): the others' gradients are zeroed before clipping. */
  readonly groups?: readonly string[];
}

/** What `Trainer.resume` can override; everything else (the PRNG state too) comes from the checkpoint. */
export type ResumeOptions = Partial<Omit<TrainerOptions, 'model' | 'params' | 'loss' | 'seed' | 'groups' | 'restGroup'>>;

export interface StepResult {
  /** Number of updates applied so far (this one included). */
  readonly step: number;
  readonly loss: number;
  /** Global L2 norm of the gradients after hooks, before clipping. */
  readonly gradNorm: number;
  readonly lr: number;
  /** Wall time of the session run, and of hooks + norm + clipping + update. */
  readonly ms: { readonly forwardBackward: number; readonly optimizer: number };
  /** The loss and the requested forward outputs. */
  readonly outputs: Readonly<Record<string, Tensor>>;
}

export class Trainer {
  readonly loss: string;
  /** Trained parameter names, in update order. */
  readonly paramNames: readonly string[];
  readonly optimizer: Optimizer;
  readonly schedule: Schedule | undefined;
  readonly clipNorm: number | undefined;
  /** The promoted graph's model: parameters are inputs. */
  readonly model: OnnxModel;
  private readonly source: Graph;
  private readonly outputs: readonly string[];
  private readonly values: FloatArray[];
  private readonly grads: FloatArray[];
  private readonly states: ParamState[];
  private readonly dims: (readonly number[])[];
  private readonly paramFeeds: Record<string, Tensor> = {};
  private readonly runner: GradRunner;
  private readonly hooks: HookSpec[];
  private hooksByParam: GradHook[][] = [];
  private readonly globalHook: GlobalGradHook | undefined;
  private readonly seeded: SeededRand;
  /** Element groups (one rest group covering everything when none are given). */
  readonly groups: GroupLayout;
  readonly maskedGroups: MaskedGroups;
  private readonly groupSpecs: readonly ParamGroup[];
  /** Updates applied to each group (its Adam bias-correction step under 'skip'). */
  private groupSteps: number[];
  private steps = 0;
  private busy = false;

  constructor(opts: TrainerOptions) {
    const runtime = opts.runtime ?? (opts.model instanceof OnnxModel ? opts.model.options : {});
    this.source = opts.model instanceof OnnxModel ? opts.model.graph : opts.model;
    this.loss = opts.loss ?? 'loss';
    if (!this.source.outputs.some((o) => o.name === this.loss) && !this.source.nodes.some((n) => n.outputs.includes(this.loss))) {
      throw new GradlocError('UNKNOWN_TENSOR', `no tensor named '${this.loss}' to use as the loss (outputs: ${this.source.outputs.map((o) => o.name).join(', ')})`);
    }
    if (opts.clipNorm !== undefined && !(opts.clipNorm > 0)) throw new GradlocError('BAD_INPUT', `clipNorm must be > 0, got ${opts.clipNorm}`);
    this.paramNames = selectParams(this.source, opts.params);
    this.optimizer = opts.optimizer;
    this.schedule = opts.schedule;
    this.clipNorm = opts.clipNorm;
    this.outputs = [this.loss, ...(opts.outputs ?? []).filter((o) => o !== this.loss)];
    this.values = [];
    this.grads = [];
    this.states = [];
    this.dims = [];
    for (const name of this.paramNames) {
      const t = tensorFromProto(this.source.initializers.get(name)!);
      const data = t.data as FloatArray;
      requireTrainable(name, t.dtype);
      this.values.push(data);
      this.grads.push(zerosLike(data));
      this.states.push(this.optimizer.init(data, name));
      this.dims.push(t.dims);
      this.paramFeeds[name] = t;
    }
    this.model = OnnxModel.fromGraph(promoteInitializers(this.source, this.paramNames), runtime);
    this.runner = new GradRunner(this.model, this.loss, this.paramNames, this.outputs, this.grads, opts.preallocateGrads ?? true);
    this.hooks = [...(opts.hooks ?? [])];
    this.resolveHooks();
    this.globalHook = opts.globalHook;
    this.seeded = rng(opts.seed ?? 0);
    this.groupSpecs = opts.groups ?? [];
    this.groups = new GroupLayout(
      this.paramNames.map((name, i) => ({ name, dims: this.dims[i] })),
      this.groupSpecs,
      opts.restGroup ?? REST_GROUP,
    );
    this.maskedGroups = opts.maskedGroups ?? 'skip';
    if (this.maskedGroups !== 'skip' && this.maskedGroups !== 'step') throw new GradlocError('BAD_INPUT', `maskedGroups must be 'skip' or 'step', got '${String(this.maskedGroups)}'`);
    this.groupSteps = this.groups.names.map(() => 0);
  }

  /** Updates applied to each group so far, by group name. */
  groupStepCounts(): Record<string, number> {
    return Object.fromEntries(this.groups.names.map((n, g) => [n, this.groupSteps[g]]));
  }

  /** Updates applied so far. */
  get stepCount(): number {
    return this.steps;
  }

  /** The trainer's seeded PRNG for data order and augmentation (checkpointed with the weights). */
  get rand(): Rand {
    return this.seeded;
  }

  /** Live parameter arrays by name (the optimizer updates them in place). */
  params(): ReadonlyMap<string, FloatArray> {
    return new Map(this.paramNames.map((n, i) => [n, this.values[i]]));
  }

  /** A copy of one parameter's current value. */
  param(name: string): Tensor {
    const t = this.live(this.indexOf(name));
    return { ...t, data: t.data.slice() };
  }

  /** The learning rate of the 1-based update `step`. */
  lrAt(step: number): number {
    return this.schedule ? this.schedule(step) : this.optimizer.lr;
  }

  /** Adds a gradient hook (after the existing ones); returns a function removing it. */
  addHook(spec: HookSpec): () => void {
    this.hooks.push(spec);
    this.resolveHooks();
    return () => {
      const i = this.hooks.indexOf(spec);
      if (i >= 0) this.hooks.splice(i, 1);
      this.resolveHooks();
    };
  }

  /** One update from one batch: forward + backward, hooks, group masking, clipping, optimizer. */
  async step(feeds: Feeds, opts: StepOptions = {}): Promise<StepResult> {
    this.enter();
    try {
      const allowed = this.groups.indicesOf(opts.groups);
      const t0 = performance.now();
      const outputs = await this.runner.run(this.withParams(feeds));
      const t1 = performance.now();
      const step = this.steps + 1;
      const lr = this.lrAt(step);
      this.groups.maskGrads(this.grads, allowed);
      this.runHooks(step);
      const gradNorm = globalNorm(this.grads);
      if (!Number.isFinite(gradNorm)) {
        const bad = this.paramNames.find((_, i) => !Number.isFinite(globalNorm([this.grads[i]])));
        throw new GradlocError('RUNTIME_ERROR', `step ${step}: the gradient of '${bad}' is not finite (loss ${Number(outputs[this.loss].data[0])}); parameters left unchanged`);
      }
      const gradScale = this.clipNorm ? clipScale(gradNorm, this.clipNorm) : 1;
      this.update(allowed, { lr, step, gradScale });
      this.steps = step;
      const loss = Number(outputs[this.loss].data[0]);
      return { step, loss, gradNorm, lr, ms: { forwardBackward: t1 - t0, optimizer: performance.now() - t1 }, outputs };
    } finally {
      this.busy = false;
    }
  }

  /** The optimizer over each group's runs; see MaskedGroups. */
  private update(allowed: ReadonlySet<number>, ctx: UpdateContext): void {
    const stepped = this.groups.names.map((_, g) => this.maskedGroups === 'step' || allowed.has(g));
    stepped.forEach((on, g) => {
      if (on) this.groupSteps[g]++;
    });
    // shared optimizer: every element counts the global step; per group: its own count
    const contexts = this.groups.names.map((_, g) => (this.maskedGroups === 'step' ? ctx : { ...ctx, step: this.groupSteps[g] }));
    for (let i = 0; i < this.values.length; i++) {
      const segs = this.groups.segments[i];
      const whole = segs.length === 1 && segs[0].runs.length === 2 && segs[0].runs[1] - segs[0].runs[0] === this.values[i].length;
      for (const seg of segs) {
        if (stepped[seg.group]) this.optimizer.update(this.values[i], this.grads[i], this.states[i], contexts[seg.group], whole ? undefined : seg.runs);
      }
    }
  }

  /** Forward run with the current parameters (no gradients); default outputs: the model's. */
  async evaluate(feeds: Feeds, outputs?: readonly string[]): Promise<Record<string, Tensor>> {
    this.enter();
    try {
      return await this.model.run(this.withParams(feeds), outputs);
    } finally {
      this.busy = false;
    }
  }

  /** The source model with the trained weights as initializers: same inputs, runs in stock onnxruntime. */
  exportModel(): ModelProto {
    const g = Graph.fromModel(this.source.toModel());
    this.paramNames.forEach((name, i) => g.initializers.set(name, tensorToProto(name, this.live(i))));
    const proto = g.toModel();
    const metadata = proto.metadata_props.filter((p) => p.key !== TRAIN_META.step);
    return { ...proto, metadata_props: [...metadata, { key: TRAIN_META.step, value: String(this.steps) }] };
  }

  /**
   * A copy of another graph that shares the weight names (e.g. the forward graph of a model
   * trained through a loss graph) with the trained values; `skip` leaves some parameters out
   * (training-only heads). Every other trained name must exist there.
   */
  weightsInto(target: Graph, skip?: ParamMatcher): Graph {
    const g = target.clone();
    this.paramNames.forEach((name, i) => {
      if (skip && matchesParam(skip, name)) return;
      if (!g.initializers.has(name)) throw new GradlocError('BAD_MODEL', `trained weight '${name}' is not in the target graph`);
      g.initializers.set(name, tensorToProto(name, this.live(i)));
    });
    return g;
  }

  saveModel(path: string, opts?: SaveOptions): void {
    saveModel(path, this.exportModel(), opts);
  }

  /** Writes dir/model.onnx and dir/optimizer.onnx (checkpoint.ts). */
  saveCheckpoint(dir: string): void {
    const buffers = new Map<string, Tensor>();
    const noDecay: string[] = [];
    this.paramNames.forEach((name, i) => {
      const s = this.states[i];
      for (const [b, data] of Object.entries(s.buffers)) buffers.set(stateTensorName(name, b), { ...this.live(i), data });
      if (s.weightDecay === 0) noDecay.push(name);
    });
    writeCheckpoint(dir, this.exportModel(), {
      step: this.steps,
      loss: this.loss,
      params: this.paramNames,
      outputs: this.outputs.slice(1),
      optimizer: this.optimizer.config,
      noDecay,
      schedule: this.schedule?.config,
      clipNorm: this.clipNorm,
      rng: this.seeded.state(),
      buffers,
      ...(this.groupSpecs.length ? { groups: { specs: this.groupSpecs, rest: this.groups.names[this.groups.names.length - 1], steps: this.groupStepCounts() } } : {}),
      maskedGroups: this.maskedGroups,
    });
  }

  /**
   * A trainer continuing from a checkpoint: weights, optimizer buffers, step and PRNG state
   * restored, so its next step equals the uninterrupted run's. Built-in optimizers and
   * schedules are rebuilt from the checkpoint; hooks and custom ones must be passed again.
   */
  static resume(dir: string, options: ResumeOptions = {}): Trainer {
    const { model, state } = readCheckpoint(dir);
    const t = new Trainer({
      ...options,
      model: Graph.fromModel(model),
      loss: state.loss,
      params: state.params,
      outputs: options.outputs ?? state.outputs,
      optimizer: options.optimizer ?? optimizerFromConfig(state.optimizer, state.noDecay),
      schedule: options.schedule ?? (state.schedule ? scheduleFromConfig(state.schedule) : undefined),
      clipNorm: 'clipNorm' in options ? options.clipNorm : state.clipNorm,
      seed: state.rng,
      groups: state.groups?.specs,
      restGroup: state.groups?.rest,
      maskedGroups: options.maskedGroups ?? state.maskedGroups,
    });
    t.groupSteps = t.groups.names.map((n) => state.groups?.steps[n] ?? state.step);
    t.paramNames.forEach((name, i) => {
      for (const [b, data] of Object.entries(t.states[i].buffers)) {
        const saved = state.buffers.get(stateTensorName(name, b));
        if (!saved || saved.data.length !== data.length) {
          throw new GradlocError('BAD_MODEL', `${dir}/${CHECKPOINT_FILES.optimizer}: no ${data.length}-element '${b}' buffer for '${name}' (a different optimizer?)`);
        }
        data.set(saved.data as FloatArray);
      }
    });
    t.steps = state.step;
    return t;
  }

  /** Releases the onnxruntime sessions. */
  release(): Promise<void> {
    return this.model.release();
  }

  private withParams(feeds: Feeds): Feeds {
    for (const name of this.paramNames) {
      if (name in feeds) throw new GradlocError('BAD_INPUT', `feed '${name}' is a trained parameter: the trainer feeds it`);
    }
    return { ...feeds, ...this.paramFeeds };
  }

  private enter(): void {
    if (this.busy) throw new GradlocError('BAD_INPUT', 'the trainer is already running a step or an evaluation: await it first');
    this.busy = true;
  }

  /** Parameter i as a tensor over the live array (no copy). */
  private live(i: number): Tensor {
    return { dtype: dtypeOf(this.values[i]), dims: this.dims[i], data: this.values[i] };
  }

  private indexOf(name: string): number {
    const i = this.paramNames.indexOf(name);
    if (i < 0) throw new GradlocError('UNKNOWN_TENSOR', `'${name}' is not a trained parameter`);
    return i;
  }

  private resolveHooks(): void {
    this.hooksByParam = this.paramNames.map((name) => this.hooks.filter((h) => matchesParam(h.params, name)).map((h) => h.hook));
  }

  private runHooks(step: number): void {
    this.paramNames.forEach((name, i) => {
      for (const hook of this.hooksByParam[i]) hook(this.grads[i], { name, step, param: this.values[i], dims: this.dims[i] });
    });
    if (this.globalHook) {
      this.globalHook(new Map(this.paramNames.map((n, i) => [n, this.grads[i]])), { step, params: this.params() });
    }
  }
}
