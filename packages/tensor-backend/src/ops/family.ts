/**
 * What an op family exports: plain tables from op type to rule, read by ops/registry.ts.
 * Families register nothing themselves; a module's top level only builds its own values,
 * so bundlers that drop unused imports ("sideEffects": false) cannot lose a rule.
 */
import type { GradContext, GradRule } from '../autodiff/types.js';
import type { ShapeRule } from '../shape/types.js';

/** Op type -> rule; ops outside the default domain are keyed `domain::Op` (e.g. `com.microsoft::Gelu`). */
export type RuleTable<R> = Readonly<Record<string, R>>;

export interface OpFamily {
  /** Shape rule of every op of the family. */
  readonly shape: RuleTable<ShapeRule>;
  /** Gradient rules. */
  readonly grad?: RuleTable<GradRule>;
  /** Ops whose outputs carry no gradient (integer, boolean or piecewise-constant results). */
  readonly nondifferentiable?: readonly string[];
}

/**
 * A gradient rule for one-input ops: `grad` gets the upstream gradient and returns dL/dx.
 * It is only called when x needs a gradient (single-output ops are only visited with one).
 */
export const unaryGrad =
  (grad: (ctx: GradContext, dy: string) => string): GradRule =>
  (ctx) => [ctx.needs[0] ? grad(ctx, ctx.dy[0]!) : null];

/** One rule under several op types. */
export const sameRule = <R>(ops: readonly string[], rule: R): Record<string, R> => Object.fromEntries(ops.map((op) => [op, rule]));
