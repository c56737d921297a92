/**
 * All dot products between the rows of two matrices, A [n, D] . B [m, D]^T -> [n, m], on
 * onnxruntime (one MatMul, MLAS kernels): Grad-ECLIP on a tower that pools every token needs
 * two such products of ~145 x 145 x D per block, which plain JS loops make the dominant cost.
 * One small session per process, created on first use.
 */
import { Graph, GraphBuilder, OnnxModel, tensor } from '@gradloc/tensor-backend';

let session: OnnxModel | undefined;

function pairModel(): OnnxModel {
  if (session) return session;
  const g = Graph.create(17);
  const b = new GraphBuilder(g);
  b.input('a', 'float32', ['n', 'd']);
  b.input('b', 'float32', ['m', 'd']);
  b.op('MatMul', ['a', b.op('Transpose', ['b'], { perm: [1, 0] })], {}, { outputs: ['dots'] });
  b.output('dots', 'float32', ['n', 'm']);
  session = OnnxModel.fromGraph(g, { threads: 1 });
  return session;
}

export async function pairDots(a: Float32Array, n: number, b: Float32Array, m: number, d: number): Promise<Float32Array> {
  const out = await pairModel().run({ a: tensor('float32', [n, d], a), b: tensor('float32', [m, d], b) }, ['dots']);
  return out.dots.data as Float32Array;
}
