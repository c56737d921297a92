/**
 * Shipping a trained model: the training graph carries the loss and its extra inputs, the
 * shipped model.onnx is the forward graph (same weight names) with the trained weights.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { GradlocError, saveModel, tensorToProto, type Graph, type Trainer } from '@gradloc/tensor-backend';
import { writeCard, type Card } from '@gradloc/models';

/** Copies the trainer's weights into `forward` (every trained name must exist there). */
export function withTrainedWeights(forward: Graph, trainer: Trainer, trainingOnlyPrefix?: string): Graph {
  for (const [name, data] of trainer.params()) {
    // weights of training-only heads (auxiliary losses) have no place in the shipped graph
    if (trainingOnlyPrefix && name.startsWith(trainingOnlyPrefix)) continue;
    const init = forward.initializers.get(name);
    if (!init) throw new GradlocError('BAD_MODEL', `trained weight '${name}' is not in the forward graph`);
    forward.initializers.set(name, tensorToProto(name, { dtype: data instanceof Float64Array ? 'float64' : 'float32', dims: init.dims.map(Number), data }));
  }
  return forward;
}

/** Writes dir/model.onnx (atomically) and dir/card.json. */
export function shipModel(dir: string, forward: Graph, card: Card): void {
  mkdirSync(dir, { recursive: true });
  saveModel(join(dir, 'model.onnx'), forward.toModel());
  writeCard(dir, card);
}

/** Total element count of a graph's float initializers (the card's parameter count). */
export function countParameters(g: Graph): number {
  let n = 0;
  for (const t of g.initializers.values()) if (t.data_type === 1 || t.data_type === 11) n += t.dims.reduce((a, b) => a * Number(b), 1);
  return n;
}
