/**
 * Parameter groups at element granularity: a group is a set of parameter slices, so one
 * weight matrix can hold rows of several groups (SGTM's forget units next to retain units).
 * Elements in no named group form the rest group. A step may update only some groups:
 * the others' gradients are zeroed (gradient masking) and, with `maskedGroups: 'skip'`,
 * the optimizer does not touch them at all - no momentum, no weight decay, no bias-correction
 * count - which is what separate per-group optimizers (PyTorch param groups each with
 * their own AdamW, stepped only when allowed) give. `'step'` keeps one shared optimizer that
 * steps masked elements with a zero gradient: momentum and decay still move them.
 */
import { GradlocError } from '../errors.js';
import type { FloatArray } from './float-array.js';
import { complementRuns, fillRuns, runLength, sliceRuns, unionRuns, type ElementRuns, type ParamSlice } from './slices.js';

export interface ParamGroup {
  readonly name: string;
  readonly slices: readonly ParamSlice[];
}

/** What happens to the groups a step does not update (see the module comment). */
export type MaskedGroups = 'skip' | 'step';

/** The default name of the elements in no group. */
export const REST_GROUP = 'rest';

/** One parameter's elements of one group. */
export interface GroupSegment {
  readonly group: number;
  readonly runs: ElementRuns;
}

export interface GroupSummary {
  readonly name: string;
  /** Elements of the group over all parameters. */
  readonly elements: number;
  /** Parameters holding at least one element of it. */
  readonly params: readonly string[];
}

export class GroupLayout {
  /** Group names; the rest group is last. */
  readonly names: readonly string[];
  /** Per parameter (trainer order): its elements by group. */
  readonly segments: readonly (readonly GroupSegment[])[];

  constructor(params: readonly { readonly name: string; readonly dims: readonly number[] }[], groups: readonly ParamGroup[], rest = REST_GROUP) {
    const names = [...groups.map((g) => g.name), rest];
    const dup = names.find((n, i) => names.indexOf(n) !== i);
    if (dup !== undefined) throw new GradlocError('BAD_INPUT', `parameter group '${dup}' is defined twice (the rest group is '${rest}')`);
    const index = new Map(params.map((p, i) => [p.name, i]));
    const perParam = params.map(() => new Map<number, ElementRuns[]>());
    groups.forEach((g, gi) => {
      for (const s of g.slices) {
        const pi = index.get(s.param);
        if (pi === undefined) throw new GradlocError('UNKNOWN_TENSOR', `parameter group '${g.name}': '${s.param}' is not a trained parameter`);
        const runs = perParam[pi].get(gi) ?? [];
        runs.push(sliceRuns(params[pi].dims, s));
        perParam[pi].set(gi, runs);
      }
    });
    this.names = names;
    this.segments = params.map((p, pi) => {
      const size = p.dims.reduce((a, d) => a * d, 1);
      const owned = [...perParam[pi]].map(([group, parts]) => ({ group, runs: unionRuns(parts, `group '${names[group]}' of '${p.name}'`) }));
      // one element in two groups would be updated twice: refuse
      const all = unionRuns(
        owned.map((o) => o.runs),
        `parameter '${p.name}' is in groups ${owned.map((o) => `'${names[o.group]}'`).join(' and ')} that`,
      );
      const rest = complementRuns(all, size);
      return runLength(rest) > 0 ? [...owned, { group: names.length - 1, runs: rest }] : owned;
    });
  }

  /** Group indices of `names` (all groups when undefined); unknown names are an error. */
  indicesOf(names: readonly string[] | undefined): Set<number> {
    if (names === undefined) return new Set(this.names.keys());
    return new Set(
      names.map((n) => {
        const i = this.names.indexOf(n);
        if (i < 0) throw new GradlocError('BAD_INPUT', `unknown parameter group '${n}' (groups: ${this.names.join(', ')})`);
        return i;
      }),
    );
  }

  /** Zeroes, in every gradient, the elements of groups not in `allowed`. */
  maskGrads(grads: readonly FloatArray[], allowed: ReadonlySet<number>): void {
    if (allowed.size === this.names.length) return;
    this.segments.forEach((segs, pi) => {
      for (const s of segs) if (!allowed.has(s.group)) fillRuns(grads[pi], s.runs);
    });
  }

  summary(paramNames: readonly string[]): GroupSummary[] {
    return this.names.map((name, g) => {
      let elements = 0;
      const params: string[] = [];
      this.segments.forEach((segs, pi) => {
        for (const s of segs) {
          if (s.group !== g) continue;
          elements += runLength(s.runs);
          params.push(paramNames[pi]);
        }
      });
      return { name, elements, params };
    });
  }
}
