/** Op type -> gradient rule. Families register themselves in autodiff/rules/*.ts. */
import type { GradRule, OpGrad } from './types.js';

const registry = new Map<string, OpGrad>();

export function defineGrad(ops: string | readonly string[], rule: GradRule): void {
  for (const op of typeof ops === 'string' ? [ops] : ops) registry.set(op, { kind: 'rule', rule });
}

export function nonDifferentiable(...ops: string[]): void {
  for (const op of ops) registry.set(op, { kind: 'nondifferentiable' });
}

export const gradOf = (op: string, domain = ''): OpGrad | undefined =>
  registry.get(domain === '' || domain === 'ai.onnx' ? op : `${domain}::${op}`);

/** Every op with a registered rule or declared non-differentiable, sorted. */
export const gradOps = (): { op: string; kind: OpGrad['kind'] }[] =>
  [...registry.entries()].map(([op, g]) => ({ op, kind: g.kind })).sort((a, b) => a.op.localeCompare(b.op));
