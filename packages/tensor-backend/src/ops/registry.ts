/**
 * The op registry: op type -> shape rule, op type -> gradient rule, and the ops whose
 * outputs carry no gradient. It is built from the explicit list of op families below:
 * a family is a plain table (family.ts), so adding an op means adding an entry to its
 * family, and adding a family means adding it to this list. Users add their own ops at
 * run time with registerOps.
 */
import type { OpGrad } from '../autodiff/types.js';
import { GradlocError } from '../errors.js';
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

/** A family's gradient entries: its rules, then its non-differentiable ops. */
const gradEntries = (f: OpFamily): [string, OpGrad][] => [
  ...Object.entries(f.grad ?? {}).map(([op, rule]): [string, OpGrad] => [op, { kind: 'rule', rule }]),
  ...(f.nondifferentiable ?? []).map((op): [string, OpGrad] => [op, NONDIFFERENTIABLE]),
];

/** One table from every family's entries; an op in two places is a bug in the families. */
function table<T>(families: readonly OpFamily[], entries: (f: OpFamily) => [string, T][], what: string): Map<string, T> {
  const map = new Map<string, T>();
  for (const f of families) {
    for (const [op, value] of entries(f)) {
      if (map.has(op)) throw new Error(`internal: two entries for the ${what} of ${op}`);
      map.set(op, value);
    }
  }
  return map;
}

const shapes = table(OP_FAMILIES, (f) => Object.entries(f.shape), 'shape rule');
const grads = table(OP_FAMILIES, gradEntries, 'gradient');

/** Rules added at run time by registerOps, consulted after the built-in ones. */
const customShapes = new Map<string, ShapeRule>();
const customGrads = new Map<string, OpGrad>();

/** Registry key: the op type in the default domain, `domain::Op` elsewhere. */
const key = (op: string, domain: string): string => (domain === '' || domain === 'ai.onnx' ? op : `${domain}::${op}`);

export const gradOf = (op: string, domain = ''): OpGrad | undefined => {
  const k = key(op, domain);
  return grads.get(k) ?? customGrads.get(k);
};

/** Every op with a registered rule or declared non-differentiable, sorted. */
export const gradOps = (): { op: string; kind: OpGrad['kind'] }[] =>
  [...grads.entries(), ...customGrads.entries()].map(([op, g]) => ({ op, kind: g.kind })).sort((a, b) => a.op.localeCompare(b.op));

export const shapeRule = (op: string, domain = ''): ShapeRule | undefined => {
  const k = key(op, domain);
  return shapes.get(k) ?? customShapes.get(k);
};

export const shapeOps = (): string[] => [...shapes.keys(), ...customShapes.keys()].sort();

/**
 * Adds the rules of your own op family (a custom or contrib op, say) to the registry, for
 * this process or until the returned function removes them again. Call it at run time,
 * before building gradient graphs; nothing is registered at import time. A family may
 * leave `shape` empty when onnxruntime can type the op's outputs (OnnxModel probes ops
 * without a shape rule). An op that already has a rule of the same kind (built-in or
 * registered) is refused: to replace a built-in gradient rule for one call, pass
 * `overrides` to `vjp` / `buildGradGraph` instead.
 */
export function registerOps(family: OpFamily): () => void {
  const newShapes = Object.entries(family.shape);
  // fresh entries, so that the returned function removes exactly these
  const newGrads = gradEntries(family).map(([op, g]): [string, OpGrad] => [op, { ...g }]);
  const twice = newGrads.map(([op]) => op).filter((op, i, all) => all.indexOf(op) !== i);
  if (twice.length) throw new GradlocError('BAD_INPUT', `registerOps: ${twice.join(', ')} has a gradient rule and is declared non-differentiable`);
  const taken = [
    ...newShapes.filter(([op]) => shapes.has(op) || customShapes.has(op)).map(([op]) => `the shape rule of ${op}`),
    ...newGrads.filter(([op]) => grads.has(op) || customGrads.has(op)).map(([op]) => `the gradient of ${op}`),
  ];
  if (taken.length) {
    throw new GradlocError('BAD_INPUT', `registerOps: already registered: ${taken.join(', ')} (replace a built-in rule for one call with overrides)`);
  }
  for (const [op, rule] of newShapes) customShapes.set(op, rule);
  for (const [op, g] of newGrads) customGrads.set(op, g);
  return () => {
    for (const [op, rule] of newShapes) if (customShapes.get(op) === rule) customShapes.delete(op);
    for (const [op, g] of newGrads) if (customGrads.get(op) === g) customGrads.delete(op);
  };
}
