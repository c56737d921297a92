/**
 * The optimizer interface: plain objects updating one parameter's typed array in place
 * from its gradient, with per-parameter state as named buffers (checkpointed as tensors).
 * A new optimizer needs `init` and `update`; `config` makes it restorable from a checkpoint.
 */
import { GradlocError } from '../errors.js';
import type { FloatArray } from './float-array.js';
import type { ElementRuns } from './slices.js';
import { matchesParam, type ParamMatcher } from './param-matcher.js';

/** JSON-able settings, written into checkpoints (`kind` names the factory). */
export type ConfigValue = number | boolean | string | readonly number[];
export interface TrainingConfig {
  readonly kind: string;
  readonly [key: string]: ConfigValue;
}

/** One parameter's optimizer state. */
export interface ParamState {
  /** Buffers by state name (e.g. `exp_avg`), each as long as the parameter. */
  readonly buffers: Readonly<Record<string, FloatArray>>;
  /** The weight decay this parameter gets (0 when the optimizer's `noDecay` matches it). */
  readonly weightDecay: number;
}

export interface UpdateContext {
  readonly lr: number;
  /** 1-based number of this update (Adam's bias correction counts from 1). */
  readonly step: number;
  /**
   * Factor to apply to the gradient first: global-norm clipping, fused into the update so the
   * gradients are not rewritten in a pass of their own.
   */
  readonly gradScale: number;
}

export interface Optimizer {
  readonly config: TrainingConfig;
  /** Learning rate used when the trainer has no schedule. */
  readonly lr: number;
  /** Fresh state for a parameter (zeros buffers). */
  init(param: FloatArray, name: string): ParamState;
  /**
   * Updates `param` in place from `grad` (which it must not keep). With `runs` ([start, end)
   * pairs of element indices, slices.ts) only those elements change; the others, and their
   * state, stay untouched (parameter groups pass a group's runs).
   */
  update(param: FloatArray, grad: FloatArray, state: ParamState, ctx: UpdateContext, runs?: ElementRuns): void;
}

/** Options every built-in optimizer shares. */
export interface DecayOptions {
  readonly lr?: number;
  readonly weightDecay?: number;
  /** Parameters without weight decay (biases, norms, embeddings are common choices). */
  readonly noDecay?: ParamMatcher;
}

/** The weight decay of one parameter under DecayOptions. */
export const decayFor = (o: DecayOptions, name: string): number => (o.noDecay && matchesParam(o.noDecay, name) ? 0 : (o.weightDecay ?? 0));

/** The runs an update covers: `runs`, or the whole array. */
export const runsOrAll = (runs: ElementRuns | undefined, length: number): ArrayLike<number> => runs ?? [0, length];

export function requireNonNegative(where: string, values: Readonly<Record<string, number>>): void {
  for (const [k, v] of Object.entries(values)) {
    if (!(v >= 0) || !Number.isFinite(v)) throw new GradlocError('BAD_INPUT', `${where}: ${k} must be a finite number >= 0, got ${v}`);
  }
}
