/** How evaluations run a model: one forward run returning the requested outputs. */
import type { Feeds, Tensor } from '@gradloc/tensor-backend';

/** A shipped model's `run`, or a trainer's `evaluate` with its current weights (training-time validation). */
export type RunForward = (feeds: Feeds, outputs: readonly string[]) => Promise<Record<string, Tensor>>;
