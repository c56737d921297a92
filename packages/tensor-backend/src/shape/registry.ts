/** Op type -> shape rule. Op families register themselves in shape/ops/*.ts. */
import type { ShapeRule } from './types.js';

const rules = new Map<string, ShapeRule>();

export function defineShape(ops: string | readonly string[], rule: ShapeRule): void {
  for (const op of typeof ops === 'string' ? [ops] : ops) rules.set(op, rule);
}

export const shapeRule = (op: string, domain = ''): ShapeRule | undefined =>
  rules.get(domain === '' || domain === 'ai.onnx' ? op : `${domain}::${op}`);

export const shapeOps = (): string[] => [...rules.keys()].sort();
