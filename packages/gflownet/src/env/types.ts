/**
 * What a GFlowNet environment supplies: a DAG of states built by discrete actions, with masks
 * of the valid forward actions (children) and backward actions (parents), and an energy E(s)
 * on EVERY state (R(s) = exp(-E(s))). The target of sampling is R(x) on terminal states; the
 * forward-looking losses also read E on intermediate states, which is why it is defined on all.
 *
 * States are Int32Arrays the environment owns the meaning of; `step` returns a new array.
 * Termination follows torchgfn: either an exit action (`exitAction >= 0`, a state is terminal
 * once the exit is taken from it) or, without one, a state with no valid forward action is
 * terminal (the authors' fixed-size sets).
 */
export type State = Int32Array;

export interface Environment {
  readonly name: string;
  /** Width of the policy's input (`encode` writes this many floats). */
  readonly inputSize: number;
  /** Number of forward actions, the exit included. */
  readonly forwardActions: number;
  /** Number of backward actions (actions that undo a forward action). */
  readonly backwardActions: number;
  /** Index of the exit action, or -1 when trajectories end where no forward action is valid. */
  readonly exitAction: number;
  /** The source state s0. */
  initial(): State;
  /** Writes the policy input of `s` at `out[offset ..]`. */
  encode(s: State, out: Float32Array, offset: number): void;
  /** Writes 1 for each valid forward action of `s` at `out[offset ..]` (0 elsewhere); returns their count. */
  forwardMask(s: State, out: Uint8Array, offset: number): number;
  /** Same for backward actions (the parents of `s`); 0 for s0. */
  backwardMask(s: State, out: Uint8Array, offset: number): number;
  /** The child of `s` by forward action `a` (not the exit). */
  step(s: State, a: number): State;
  /** The backward action, at the child `step(s, a)`, that leads back to `s`. */
  backwardOf(s: State, a: number): number;
  /** Energies of states, in one call per batch (an image model can run them together). */
  energies(states: readonly State[]): Float64Array | Promise<Float64Array>;
  /** A stable text key of a state (for unique samples and distributions). */
  key(s: State): string;
}

/** An environment whose terminal states can be listed: exact target distributions. */
export interface Enumerable {
  /** Number of terminal states (to decide whether listing them is affordable). */
  terminalCount(): number;
  /** Every terminal state, once. */
  terminals(): State[];
}

/** Largest number of terminal states the exact metrics enumerate. */
export const EXACT_LIMIT = 100_000;

/** Enumerable, and small enough to enumerate (at most EXACT_LIMIT terminal states). */
export const isExact = (env: Environment): env is Environment & Enumerable => isEnumerable(env) && env.terminalCount() <= EXACT_LIMIT;

export const isEnumerable = (env: Environment): env is Environment & Enumerable => typeof (env as Partial<Enumerable>).terminals === 'function';

/** Energy threshold of a mode: terminal states with E(x) <= this count as modes. */
export interface HasModes {
  readonly modeEnergy: number;
}

export const hasModes = (env: Environment): env is Environment & HasModes => typeof (env as Partial<HasModes>).modeEnergy === 'number';
