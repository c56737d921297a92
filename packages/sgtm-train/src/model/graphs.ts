/**
 * The graphs SGTM works with, all derived from one forward causal LM (input_ids -> logits):
 *  - the forward with an LM-head bias (calibration trains only that bias; GPT-Neo has one,
 *    GPT-2-style exports do not, so a zero bias is added when missing);
 *  - the training graph: + next-token loss + gates on every masked layer's MLP hidden units
 *    and merged attention heads (zeros on forget units for `retain` batches), and for gradient
 *    routing also 'route' gates (detach of retain units on `forget` batches).
 */
import { addNextTokenLoss, gateTensors, Graph, GraphBuilder, Node, tensor, tensorToProto, type Gate } from '@gradloc/tensor-backend';
import type { GptLayout } from '../split/gpt-layout.js';
import type { ParamSplit } from '../split/param-split.js';

export const LOGIT_BIAS = 'lm_head.bias';

/** A copy of `forward` whose logits are `MatMul + lm_head.bias` (zeros if the model had no bias). */
export function withLogitBias(forward: Graph, layout: GptLayout): Graph {
  const g = forward.clone();
  if (g.initializers.has(LOGIT_BIAS)) return g;
  const out = g.outputs.find((o) => o.name === layout.logits);
  const vocab = out?.dims?.[2];
  if (typeof vocab !== 'number') throw new Error(`internal: '${layout.logits}' has no static vocabulary size`);
  const b = new GraphBuilder(g);
  const raw = b.fresh(`${layout.logits}::unbiased`);
  // the producer writes `raw`; a new Add writes the logits name every reader expects
  g.nodes = g.nodes.map((n) => (n.outputs.includes(layout.logits) ? new Node({ ...n.proto, output: n.outputs.map((o) => (o === layout.logits ? raw : o)) }) : n));
  g.initializers.set(LOGIT_BIAS, tensorToProto(LOGIT_BIAS, tensor(out?.dtype ?? 'float32', [vocab])));
  b.op('Add', [raw, LOGIT_BIAS], {}, { outputs: [layout.logits] });
  return g;
}

/** Route-gate inputs for gradient routing: the same tensors as the split's gates. */
export const routeGates = (split: ParamSplit): Gate[] => split.gates.map((g) => ({ ...g, input: g.input.replace('sgtm_gate.', 'sgtm_route.'), kind: 'route' }));

export interface TrainingGraphOptions {
  /** Add route gates (gradient routing). */
  readonly routing?: boolean;
  /** Add a float [B] `row_weights` input (loss = sum_b w_b mean_t CE). */
  readonly rowWeights?: boolean;
}

/** forward (with bias) + loss + gates (+ routes). */
export function trainingGraph(biased: Graph, split: ParamSplit, opts: TrainingGraphOptions = {}): Graph {
  let g = addNextTokenLoss(biased, opts.rowWeights ? { rowWeights: 'row_weights' } : {});
  if (opts.routing) g = gateTensors(g, routeGates(split));
  return gateTensors(g, split.gates);
}
