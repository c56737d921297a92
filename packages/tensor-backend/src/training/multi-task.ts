/**
 * MultiTaskTrainer: several graphs (tasks: scenes, domains, languages) trained together, with
 * parameters shared by NAME. A parameter that two task graphs read is one array; each task's
 * gradient session writes its own gradient of it, and the trainer combines them before one
 * optimizer update: summed (what backprop through one joint loss gives), or normalized so
 * that every task pulls with the same strength (OFVL-MS's gradient normalization; see
 * `normalizeTaskGradients`). Parameters only one task reads take that task's gradient as is.
 *
 * Each step runs every task given a batch, one session run per task (forward + backward of
 * that task's loss), then hooks, clipping and the optimizer in JS, as Trainer does.
 */
import { GradlocError } from '../errors.js';
import { Graph } from '../ir/graph.js';
import { promoteInitializers } from '../ir/promote.js';
import type { ModelProto } from '../onnx/schema.js';
import { tensorFromProto, tensorToProto } from '../onnx/tensor-proto.js';
import { OnnxModel, type Feeds } from '../runtime/model.js';
import type { RuntimeOptions } from '../runtime/session.js';
import type { Tensor } from '../tensor/tensor.js';
import { TRAIN_META, readCheckpoint, stateTensorName, writeCheckpoint } from './checkpoint.js';
import { clipScale, globalNorm } from './clip.js';
import { dtypeOf, requireTrainable, zerosLike, type FloatArray } from './float-array.js';
import { GradRunner } from './grad-runner.js';
import type { GlobalGradHook } from './hooks.js';
import type { Optimizer, ParamState } from './optimizer.js';
import { matchesParam, type ParamMatcher } from './param-matcher.js';
import { selectParams } from './params.js';
import type { Schedule } from './schedule.js';

export interface TaskSpec {
  readonly name: string;
  /** Forward graph with weights as initializers and a scalar loss. */
  readonly model: Graph;
  /** Default 'loss'. */
  readonly loss?: string;
  /** Forward values each step returns besides the loss. */
  readonly outputs?: readonly string[];
}

/** How the per-task gradients of a shared parameter become one: summed, or normalized. */
export type SharedGradients = 'sum' | 'normalize';

export interface MultiTaskOptions {
  readonly tasks: readonly TaskSpec[];
  /** Parameters to train, applied to each task graph (default: every float weight initializer). */
  readonly params?: ParamMatcher | readonly string[];
  readonly optimizer: Optimizer;
  readonly schedule?: Schedule;
  /** Clip the combined gradients to this global L2 norm (after the global hook). */
  readonly clipNorm?: number;
  /** Default 'sum'. */
  readonly shared?: SharedGradients;
  /** With shared 'normalize': the shared parameters to normalize (default all); the others are summed. */
  readonly normalize?: ParamMatcher;
  /** Sees the combined gradients (penalties, masks) before clipping. */
  readonly globalHook?: GlobalGradHook;
  /** Default: onnxruntime's, with spinning off when there are several tasks. */
  readonly runtime?: RuntimeOptions;
}

export interface MultiTaskStep {
  readonly step: number;
  readonly lr: number;
  /** Each task's loss (only the tasks of this step). */
  readonly losses: Readonly<Record<string, number>>;
  /** Each task's forward outputs (the loss and the requested ones). */
  readonly outputs: Readonly<Record<string, Readonly<Record<string, Tensor>>>>;
  /** Global L2 norm of each task's own gradient over the shared parameters, before combining. */
  readonly sharedNorms: Readonly<Record<string, number>>;
  /** Global L2 norm of the combined gradient, before clipping. */
  readonly gradNorm: number;
  readonly ms: { readonly forwardBackward: number; readonly optimizer: number };
}

interface Task {
  readonly spec: TaskSpec;
  readonly loss: string;
  readonly model: OnnxModel;
  readonly runner: GradRunner;
  /** Indices into the trainer's parameters, in the order of `grads`. */
  readonly params: readonly number[];
  readonly grads: readonly FloatArray[];
  readonly feeds: Record<string, Tensor>;
}

/**
 * Combines per-task gradients of one shared tensor in place into `out`: each task's gradient
 * g_t is scaled to the mean norm over the tasks, mean_s ||g_s|| / ||g_t||, then all are summed.
 * A task whose gradient is zero contributes nothing (and its zero still counts in the mean,
 * so a task that cannot move the tensor does not inflate the others).
 */
export function normalizeTaskGradients(grads: readonly FloatArray[], out: FloatArray): void {
  const norms = grads.map((g) => globalNorm([g]));
  const mean = norms.reduce((a, b) => a + b, 0) / norms.length;
  out.fill(0);
  grads.forEach((g, t) => {
    if (!(norms[t] > 0)) return;
    const s = mean / norms[t];
    for (let i = 0; i < g.length; i++) out[i] += s * g[i];
  });
}

export class MultiTaskTrainer {
  /** Trained parameter names (the union over tasks), in update order. */
  readonly paramNames: readonly string[];
  readonly taskNames: readonly string[];
  /** Parameters read by two or more tasks. */
  readonly sharedParams: readonly string[];
  readonly optimizer: Optimizer;
  readonly schedule: Schedule | undefined;
  readonly shared: SharedGradients;
  private readonly values: FloatArray[] = [];
  private readonly dims: (readonly number[])[] = [];
  private readonly states: ParamState[] = [];
  /** Combined gradient per parameter (aliases the one task's buffer when not shared). */
  private readonly grads: FloatArray[] = [];
  /** (task, slot) pairs reading each parameter. */
  private readonly readers: { task: number; slot: number }[][] = [];
  private readonly normalized: boolean[] = [];
  private readonly tasks: Task[] = [];
  private steps = 0;
  private busy = false;

  constructor(private readonly opts: MultiTaskOptions) {
    if (opts.tasks.length === 0) throw new GradlocError('BAD_INPUT', 'MultiTaskTrainer needs at least one task');
    if (opts.clipNorm !== undefined && !(opts.clipNorm > 0)) throw new GradlocError('BAD_INPUT', `clipNorm must be > 0, got ${opts.clipNorm}`);
    this.shared = opts.shared ?? 'sum';
    if (this.shared !== 'sum' && this.shared !== 'normalize') throw new GradlocError('BAD_INPUT', `shared must be 'sum' or 'normalize', got '${String(this.shared)}'`);
    this.optimizer = opts.optimizer;
    this.schedule = opts.schedule;
    this.taskNames = opts.tasks.map((t) => t.name);
    if (new Set(this.taskNames).size !== this.taskNames.length) throw new GradlocError('BAD_INPUT', `task names must be unique: ${this.taskNames.join(', ')}`);
    const index = new Map<string, number>();
    const names: string[] = [];
    const perTask = opts.tasks.map((spec) => {
      const own = selectParams(spec.model, opts.params);
      return own.map((name, slot) => {
        const t = tensorFromProto(spec.model.initializers.get(name)!);
        requireTrainable(name, t.dtype);
        let i = index.get(name);
        if (i === undefined) {
          i = names.length;
          index.set(name, i);
          names.push(name);
          this.values.push(t.data as FloatArray);
          this.dims.push(t.dims);
          this.readers.push([]);
        } else if (!sameTensor(this.values[i], this.dims[i], t)) {
          throw new GradlocError('BAD_MODEL', `task '${spec.name}': shared parameter '${name}' differs from the first task's (shapes or initial values)`);
        }
        return { name, index: i, slot };
      });
    });
    this.paramNames = names;
    perTask.forEach((own, t) => {
      const spec = opts.tasks[t];
      const loss = spec.loss ?? 'loss';
      const grads = own.map((p) => zerosLike(this.values[p.index]));
      own.forEach((p) => this.readers[p.index].push({ task: t, slot: p.slot }));
      // the task sessions run one after another: spinning thread pools would slow each other
      const model = OnnxModel.fromGraph(promoteInitializers(spec.model, own.map((p) => p.name)), { ...(opts.tasks.length > 1 ? { spinning: false } : {}), ...opts.runtime });
      const outputs = [loss, ...(spec.outputs ?? []).filter((o) => o !== loss)];
      const feeds: Record<string, Tensor> = {};
      for (const p of own) feeds[p.name] = this.live(p.index);
      this.tasks.push({ spec, loss, model, runner: new GradRunner(model, loss, own.map((p) => p.name), outputs, grads, true), params: own.map((p) => p.index), grads, feeds });
    });
    this.sharedParams = names.filter((_, i) => this.readers[i].length > 1);
    names.forEach((name, i) => {
      const r = this.readers[i];
      this.grads.push(r.length === 1 ? this.tasks[r[0].task].grads[r[0].slot] : zerosLike(this.values[i]));
      this.normalized.push(this.shared === 'normalize' && r.length > 1 && (opts.normalize === undefined || matchesParam(opts.normalize, name)));
      this.states.push(this.optimizer.init(this.values[i], name));
    });
  }

  get stepCount(): number {
    return this.steps;
  }

  lrAt(step: number): number {
    return this.schedule ? this.schedule(step) : this.optimizer.lr;
  }

  /** Live parameter arrays by name. */
  params(): ReadonlyMap<string, FloatArray> {
    return new Map(this.paramNames.map((n, i) => [n, this.values[i]]));
  }

  /** A copy of one parameter's current value. */
  param(name: string): Tensor {
    const i = this.paramNames.indexOf(name);
    if (i < 0) throw new GradlocError('UNKNOWN_TENSOR', `'${name}' is not a trained parameter`);
    const t = this.live(i);
    return { ...t, data: t.data.slice() };
  }

  /**
   * One update from one batch per task (tasks missing from `feeds` sit this step out: their
   * share of every gradient is zero).
   */
  async step(feeds: Readonly<Record<string, Feeds>>): Promise<MultiTaskStep> {
    this.enter();
    try {
      const active = this.tasks.map((t) => t.spec.name in feeds);
      for (const name of Object.keys(feeds)) if (!this.taskNames.includes(name)) throw new GradlocError('BAD_INPUT', `no task named '${name}' (tasks: ${this.taskNames.join(', ')})`);
      if (!active.some(Boolean)) throw new GradlocError('BAD_INPUT', 'a step needs feeds for at least one task');
      const t0 = performance.now();
      const losses: Record<string, number> = {};
      const outputs: Record<string, Record<string, Tensor>> = {};
      for (const [t, task] of this.tasks.entries()) {
        if (!active[t]) {
          for (const g of task.grads) g.fill(0);
          continue;
        }
        const out = await task.runner.run(this.withParams(task, feeds[task.spec.name]));
        outputs[task.spec.name] = out;
        losses[task.spec.name] = Number(out[task.loss].data[0]);
      }
      const t1 = performance.now();
      const sharedNorms: Record<string, number> = {};
      for (const [t, task] of this.tasks.entries()) {
        if (active[t]) sharedNorms[task.spec.name] = globalNorm(task.params.flatMap((p, slot) => (this.readers[p].length > 1 ? [task.grads[slot]] : [])));
      }
      this.combine(active);
      const step = this.steps + 1;
      const lr = this.lrAt(step);
      this.opts.globalHook?.(new Map(this.paramNames.map((n, i) => [n, this.grads[i]])), { step, params: this.params() });
      const gradNorm = globalNorm(this.grads);
      if (!Number.isFinite(gradNorm)) {
        const bad = this.paramNames.find((_, i) => !Number.isFinite(globalNorm([this.grads[i]])));
        throw new GradlocError('RUNTIME_ERROR', `step ${step}: the gradient of '${bad}' is not finite (losses ${JSON.stringify(losses)}); parameters left unchanged`);
      }
      const gradScale = this.opts.clipNorm ? clipScale(gradNorm, this.opts.clipNorm) : 1;
      for (let i = 0; i < this.values.length; i++) this.optimizer.update(this.values[i], this.grads[i], this.states[i], { lr, step, gradScale });
      this.steps = step;
      return { step, lr, losses, outputs, sharedNorms, gradNorm, ms: { forwardBackward: t1 - t0, optimizer: performance.now() - t1 } };
    } finally {
      this.busy = false;
    }
  }

  /** Forward run of one task with the current parameters (default outputs: the task graph's). */
  async evaluate(task: string, feeds: Feeds, outputs?: readonly string[]): Promise<Record<string, Tensor>> {
    this.enter();
    try {
      const t = this.task(task);
      return await t.model.run(this.withParams(t, feeds), outputs);
    } finally {
      this.busy = false;
    }
  }

  /** A copy of `target` (any graph sharing the weight names) with the trained values of the names it has. */
  weightsInto(target: Graph): Graph {
    const g = target.clone();
    this.paramNames.forEach((name, i) => {
      if (g.initializers.has(name)) g.initializers.set(name, tensorToProto(name, this.live(i)));
    });
    return g;
  }

  /** One task's graph with the trained weights: runs in stock onnxruntime. */
  exportTask(task: string): Graph {
    return this.weightsInto(this.task(task).spec.model);
  }

  /**
   * Writes dir/model.onnx (every parameter as an initializer of an empty graph) and
   * dir/optimizer.onnx (buffers and step); `restore` reads them into a trainer built with
   * the same tasks and options. `rngState` (a SeededRand's `state()`) is stored for the
   * caller's data order and returned by `restore`.
   */
  saveCheckpoint(dir: string, rngState = 0): void {
    const g = Graph.create(17, 'multi_task_parameters');
    const buffers = new Map<string, Tensor>();
    const noDecay: string[] = [];
    this.paramNames.forEach((name, i) => {
      g.initializers.set(name, tensorToProto(name, this.live(i)));
      for (const [b, data] of Object.entries(this.states[i].buffers)) buffers.set(stateTensorName(name, b), { ...this.live(i), data });
      if (this.states[i].weightDecay === 0) noDecay.push(name);
    });
    g.metadata.push({ key: TRAIN_META.step, value: String(this.steps) });
    writeCheckpoint(dir, g.toModel(), {
      step: this.steps,
      loss: this.tasks.map((t) => t.loss).join(','),
      params: this.paramNames,
      outputs: [],
      optimizer: this.optimizer.config,
      noDecay,
      schedule: this.schedule?.config,
      clipNorm: this.opts.clipNorm,
      rng: rngState,
      buffers,
    });
  }

  /**
   * Loads a checkpoint of this trainer's parameters (saveCheckpoint): weights, optimizer
   * buffers, step; returns the stored PRNG state. A checkpoint written under another learning
   * rate schedule (another step budget, say) is refused: continuing it would follow neither.
   */
  restore(dir: string): { readonly step: number; readonly rngState: number } {
    const { model, state } = readCheckpoint(dir);
    const [was, now] = [JSON.stringify(state.schedule ?? null), JSON.stringify(this.schedule?.config ?? null)];
    if (was !== now) throw new GradlocError('BAD_INPUT', `checkpoint ${dir} was written under the schedule ${was}, this trainer has ${now}`);
    const saved = new Map((model.graph?.initializer ?? []).map((t) => [t.name ?? '', t]));
    this.paramNames.forEach((name, i) => {
      const proto = saved.get(name);
      const t = proto ? tensorFromProto(proto) : undefined;
      if (!t || t.data.length !== this.values[i].length) throw new GradlocError('BAD_MODEL', `checkpoint ${dir} has no ${this.values[i].length}-element '${name}'`);
      this.values[i].set(t.data as FloatArray);
      for (const [b, data] of Object.entries(this.states[i].buffers)) {
        const buf = state.buffers.get(stateTensorName(name, b));
        if (!buf || buf.data.length !== data.length) throw new GradlocError('BAD_MODEL', `checkpoint ${dir} has no '${b}' buffer for '${name}' (a different optimizer?)`);
        data.set(buf.data as FloatArray);
      }
    });
    this.steps = state.step;
    return { step: state.step, rngState: state.rng };
  }

  /** Releases every task's onnxruntime sessions. */
  async release(): Promise<void> {
    await Promise.all(this.tasks.map((t) => t.model.release()));
  }

  private combine(active: readonly boolean[]): void {
    this.paramNames.forEach((_, i) => {
      const r = this.readers[i];
      if (r.length === 1) return;
      const parts = r.filter((x) => active[x.task]).map((x) => this.tasks[x.task].grads[x.slot]);
      if (this.normalized[i]) {
        normalizeTaskGradients(parts, this.grads[i]);
        return;
      }
      const out = this.grads[i];
      out.fill(0);
      for (const g of parts) for (let k = 0; k < g.length; k++) out[k] += g[k];
    });
  }

  private task(name: string): Task {
    const t = this.tasks.find((x) => x.spec.name === name);
    if (!t) throw new GradlocError('BAD_INPUT', `no task named '${name}' (tasks: ${this.taskNames.join(', ')})`);
    return t;
  }

  private withParams(task: Task, feeds: Feeds): Feeds {
    for (const name of Object.keys(task.feeds)) if (name in feeds) throw new GradlocError('BAD_INPUT', `feed '${name}' is a trained parameter: the trainer feeds it`);
    return { ...feeds, ...task.feeds };
  }

  private enter(): void {
    if (this.busy) throw new GradlocError('BAD_INPUT', 'the trainer is already running a step or an evaluation: await it first');
    this.busy = true;
  }

  private live(i: number): Tensor {
    return { dtype: dtypeOf(this.values[i]), dims: this.dims[i], data: this.values[i] };
  }
}

function sameTensor(values: FloatArray, dims: readonly number[], t: Tensor): boolean {
  if (t.dims.length !== dims.length || t.dims.some((d, k) => d !== dims[k]) || t.data.length !== values.length) return false;
  const d = t.data as FloatArray;
  for (let k = 0; k < d.length; k++) if (d[k] !== values[k]) return false;
  return true;
}
