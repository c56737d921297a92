/**
 * Auxiliary dense supervision for ViTs trained through one pooled vector (the shapes-vit
 * classifier's class token, shapes-clip's image embedding): a linear head on every patch
 * token predicts which colour-shape query names the object centred there, as the grounder's
 * patch logits do (sigmoid focal loss over patch_targets [B, P, 42] from grounderTargets,
 * divided by the number of objects). The pooled loss alone reaches the patch tokens only
 * through the pooling; the grounder, supervised per patch, learned colour and shape within a
 * few hundred steps. Training only: the head's weights carry AUX_PREFIX and the shipped
 * forward graph never has them (withTrainedWeights skips them).
 */
import { Emit, GraphBuilder, normal, rng, tensor, type Graph } from '@gradloc/tensor-backend';
import { GROUNDER_QUERIES } from '@gradloc/models';
import { sigmoidFocalSum } from './focal-loss.js';

export const AUX_PREFIX = 'aux.';
export const AUX_TARGETS = 'patch_targets';
const QUERIES = GROUNDER_QUERIES.length;

export interface AuxPatchLoss {
  /** Tokens [B, prefixTokens + P, dim]. */
  readonly patches: string;
  /** Leading tokens to drop (a class token: 1; default 0). */
  readonly prefixTokens?: number;
  readonly P: number;
  readonly dim: number;
  readonly weight: number;
  /** The scalar loss output the auxiliary term is added to (renamed; the sum takes its name). */
  readonly loss: string;
  readonly seed: number;
}

/** Adds the head, the patch_targets input and `loss := loss + weight * aux` to a training graph. */
export function addAuxPatchLoss(graph: Graph, o: AuxPatchLoss): void {
  const b = new GraphBuilder(graph);
  const emit = new Emit(b, graph.opset());
  const main = b.fresh(`${o.loss}.main`);
  const producer = graph.nodes.find((n) => n.outputs.includes(o.loss));
  if (!producer) throw new Error(`addAuxPatchLoss: no node produces '${o.loss}'`);
  producer.outputs[producer.outputs.indexOf(o.loss)] = main;
  const rand = rng(o.seed ^ 0x5a5a);
  // timm-style small init: the head starts near zero and does not disturb the first steps
  const w = tensor('float32', [o.dim, QUERIES], Float32Array.from({ length: o.dim * QUERIES }, () => 0.02 * normal(rand)));
  const weight = b.initializer(w, `${AUX_PREFIX}patch_head.weight`);
  const bias = b.initializer(tensor('float32', [QUERIES], new Float32Array(QUERIES)), `${AUX_PREFIX}patch_head.bias`);
  const y = b.input(AUX_TARGETS, 'float32', ['batch', o.P, QUERIES]);
  const prefix = o.prefixTokens ?? 0;
  const patches = prefix ? emit.slice(o.patches, [prefix], [prefix + o.P], [1]) : o.patches;
  const logits = b.op('Add', [b.op('MatMul', [patches, weight]), bias]);
  const objects = b.op('Max', [emit.reduceSum(y, [], false), b.constant(tensor('float32', [], [1]))]);
  const aux = b.op('Div', [sigmoidFocalSum({ b, emit }, logits, y), objects]);
  b.op('Add', [main, b.op('Mul', [aux, b.constant(tensor('float32', [], [o.weight]))])], {}, { outputs: [o.loss] });
}
