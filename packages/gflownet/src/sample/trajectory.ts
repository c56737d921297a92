/**
 * A sampled trajectory: states s0 .. s_m, the forward action taken from each (plus the exit from
 * s_m when the environment has one and it was taken) and every state's energy. `done` says it
 * ends at a terminal state; a prefix cut short (`truncate`) is not done and has no reward:
 * only the forward-looking losses can learn from it.
 */
import { GradlocError } from '@gradloc/tensor-backend';
import type { State } from '../env/types.js';

export interface Trajectory {
  readonly states: readonly State[];
  /** Forward actions: states.length - 1 moves, then the exit when `exited`. */
  readonly actions: readonly number[];
  /** E(s) of each state. */
  readonly energies: Float64Array;
  /** Ends at a terminal state (the last of `states`). */
  readonly done: boolean;
  /** The last action is the exit (environments with an exit action). */
  readonly exited: boolean;
}

/** The terminal state of a done trajectory. */
export const terminalOf = (t: Trajectory): State => t.states[t.states.length - 1];

/** Number of transitions (moves and the exit). */
export const transitionsOf = (t: Trajectory): number => t.actions.length;

/**
 * The prefix with the first `moves` moves (1 <= moves < the trajectory's moves): no terminal
 * state, no exit, so no terminal reward.
 */
export function truncate(t: Trajectory, moves: number): Trajectory {
  const total = t.states.length - 1;
  if (!Number.isInteger(moves) || moves < 1 || moves >= total + (t.exited ? 1 : 0)) {
    throw new GradlocError('BAD_INPUT', `truncate: moves must be an integer in [1, ${total + (t.exited ? 1 : 0) - 1}], got ${moves}`);
  }
  return {
    states: t.states.slice(0, moves + 1),
    actions: t.actions.slice(0, moves),
    energies: t.energies.slice(0, moves + 1),
    done: false,
    exited: false,
  };
}
