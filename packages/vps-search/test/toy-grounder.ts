/**
 * A hand-built grounder whose outputs are known: two predictions per image with fixed
 * (cx, cy, w, h) boxes and a logit of 10 * mean(pixel) - 5 for every query of the batch of
 * queries (input_ids [Q, 4], logits [B, 2, Q]).
 */
import { Emit, Graph, GraphBuilder, OnnxModel, tensor, type Dim } from '@gradloc/tensor-backend';

export const BOXES = [0.5, 0.5, 0.5, 0.5, 0.1, 0.1, 0.4, 0.2]; // cx, cy, w, h of two predictions

export function toyGrounder(dims: Dim[], outputs = ['logits', 'pred_boxes']): OnnxModel {
  const g = Graph.create(17);
  const b = new GraphBuilder(g);
  const e = new Emit(b, 17);
  const x = b.input('pixel_values', 'float32', dims);
  const ids = b.input('input_ids', 'int64', ['queries', 4]);
  const mean = e.reduce('ReduceMean', x, [1, 2, 3], false); // [B]
  const logit = b.op('Sub', [b.op('Mul', [mean, b.constant(tensor('float32', [], [10]))]), b.constant(tensor('float32', [], [5]))]);
  const batch = b.op('Slice', [b.op('Shape', [x]), b.ints([0]), b.ints([1])]);
  const queries = b.op('Slice', [b.op('Shape', [ids]), b.ints([0]), b.ints([1])]);
  const two = b.op('Concat', [batch, b.ints([2]), queries], { axis: 0 });
  b.op('Expand', [e.reshape(logit, [-1, 1, 1]), two], {}, { outputs: [outputs[0]] });
  const four = b.op('Concat', [batch, b.ints([2, 4])], { axis: 0 });
  b.op('Expand', [b.constant(tensor('float32', [1, 2, 4], BOXES)), four], {}, { outputs: [outputs[1]] });
  g.addOutput(outputs[0], 'float32', ['batch', 2, 'queries']);
  g.addOutput(outputs[1], 'float32', ['batch', 2, 4]);
  return OnnxModel.fromGraph(g, { threads: 1 });
}

export const encodeQuery = (): { input_ids: ReturnType<typeof tensor<'int64'>> } => ({ input_ids: tensor('int64', [1, 4], [1, 2, 3, 0]) });
export const sigmoid = (v: number): number => 1 / (1 + Math.exp(-v));
