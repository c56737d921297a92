/**
 * The op registry: op type -> shape rule, op type -> gradient rule, and the ops whose
 * outputs carry no gradient. It is built from the explicit list of op families below:
 * a family is a plain table (family.ts), so adding an op means adding an entry to its
 * family, and adding a family means adding it to this list.
 */
import type { GradRule, OpGrad } from '../autodiff/types.js';
import type { ShapeRule } from '../shape/types.js';
import { activationOps } from './activations/index.js';
import { constantOps } from './constants/index.js';
import { convOps } from './conv/index.js';
import { einsumOps } from './einsum/index.js';
import { elementwiseOps } from './elementwise/index.js';
import type { OpFamily } from './family.js';
import { indexingOps } from './indexing/index.js';
import { linalgOps } from './linalg/index.js';
import { logicOps } from './logic/index.js';
import { lossOps } from './loss/index.js';
import { movementOps } from './movement/index.js';
import { normOps } from './norm/index.js';
import { padOps } from './pad/index.js';
import { poolOps } from './pool/index.js';
import { reduceOps } from './reduce/index.js';
import { resizeOps } from './resize/index.js';
import { softmaxOps } from './softmax/index.js';
import { trigOps } from './trig/index.js';

/** Every built-in op family. */
const OP_FAMILIES: readonly OpFamily[] = [
  elementwiseOps,
  logicOps,
  activationOps,
  trigOps,
  softmaxOps,
  linalgOps,
  einsumOps,
  reduceOps,
  normOps,
  lossOps,
  convOps,
  poolOps,
  resizeOps,
  padOps,
  movementOps,
  indexingOps,
  constantOps,
];

const NONDIFFERENTIABLE: OpGrad = { kind: 'nondifferentiable' };

/** Adds one entry; an op in two families is a bug in the families. */
function add<T>(map: Map<string, T>, op: string, value: T, what: string): void {
  if (map.has(op)) throw new Error(`internal: two op families define the ${what} of ${op}`);
  map.set(op, value);
}

function shapeTable(families: readonly OpFamily[]): Map<string, ShapeRule> {
  const table = new Map<string, ShapeRule>();
  for (const f of families) for (const [op, rule] of Object.entries(f.shape)) add(table, op, rule, 'shape rule');
  return table;
}

function gradTable(families: readonly OpFamily[]): Map<string, OpGrad> {
  const table = new Map<string, OpGrad>();
  for (const f of families) {
    for (const [op, rule] of Object.entries(f.grad ?? {})) add<OpGrad>(table, op, { kind: 'rule', rule: rule as GradRule }, 'gradient');
    for (const op of f.nondifferentiable ?? []) add(table, op, NONDIFFERENTIABLE, 'gradient');
  }
  return table;
}

const shapes = shapeTable(OP_FAMILIES);
const grads = gradTable(OP_FAMILIES);

/** Registry key: the op type in the default domain, `domain::Op` elsewhere. */
const key = (op: string, domain: string): string => (domain === '' || domain === 'ai.onnx' ? op : `${domain}::${op}`);

export const gradOf = (op: string, domain = ''): OpGrad | undefined => grads.get(key(op, domain));

/** Every op with a registered rule or declared non-differentiable, sorted. */
export const gradOps = (): { op: string; kind: OpGrad['kind'] }[] =>
  [...grads.entries()].map(([op, g]) => ({ op, kind: g.kind })).sort((a, b) => a.op.localeCompare(b.op));

export const shapeRule = (op: string, domain = ''): ShapeRule | undefined => shapes.get(key(op, domain));

export const shapeOps = (): string[] => [...shapes.keys()].sort();
