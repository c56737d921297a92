/**
 * quantizeEmbeddings in real onnxruntime: GatherBlockQuantized's rows equal the RTN
 * dequantization computed in TypeScript (exactly: (code - zero) * scale is exact in float32),
 * and stay within one quantization step of the FP32 table.
 */
import { Graph, GraphBuilder, OnnxModel, rng, tensor } from '@gradloc/tensor-backend';
import { describe, expect, it } from 'vitest';
import { quantizeEmbeddings } from '../src/export/embedding.js';
import { dequantize } from '../src/quant/dequantize.js';
import { quantizeRtn } from '../src/quant/rtn.js';
import { groupsOf, type Bits } from '../src/quant/types.js';

const RUNTIME = { threads: 1, spinning: false } as const;

/** ids [2, 4] -> Gather(table [V, D]) -> y [2, 4, D]; the table is also returned. */
function embeddingGraph(V: number, D: number, seed: number): { graph: Graph; table: Float32Array } {
  const graph = Graph.create(17, 'tiny-embedding');
  const b = new GraphBuilder(graph);
  const ids = b.input('ids', 'int64', [2, 4]);
  const r = rng(seed);
  const table = Float32Array.from({ length: V * D }, () => (r() - 0.5) * 2 ** Math.floor(r() * 4));
  const y = b.op('Gather', [b.initializer(tensor('float32', [V, D], table), 'wte'), ids], { axis: 0 }, { outputs: ['y'] });
  b.output(y, 'float32', [2, 4, D]);
  return { graph, table };
}

describe('quantizeEmbeddings', () => {
  for (const [bits, group] of [[4, 32], [8, 16], [2, 64]] as [Bits, number][]) {
    it(`${bits} bits, group ${group}: GatherBlockQuantized rows = dequantized RTN rows`, async () => {
      const [V, D] = [30, 128];
      const { graph, table } = embeddingGraph(V, D, bits);
      const report = quantizeEmbeddings(graph, { bits, group });
      expect(report).toHaveLength(1);
      expect(graph.initializers.has('wte')).toBe(false);
      expect(graph.nodes.map((n) => n.op)).toEqual(['GatherBlockQuantized']);
      // codes + float32 scale + packed zero point per block
      expect(report[0].bitsPerWeight).toBeCloseTo(bits + 32 / group + Math.ceil((groupsOf(D, group) * bits) / 8) * 8 / D, 10);
      const ids = [0, 29, 7, 7, 13, 1, 28, 2];
      const model = OnnxModel.fromGraph(graph, RUNTIME);
      const y = (await model.run({ ids: tensor('int64', [2, 4], ids) })).y.data as Float32Array;
      await model.release();
      // the reference: the table as a [D, V] matrix (rows of the table are its columns)
      const t = new Float32Array(V * D);
      for (let v = 0; v < V; v++) for (let d = 0; d < D; d++) t[d * V + v] = table[v * D + d];
      const q = quantizeRtn(t, D, V, { bits, group });
      const w = dequantize(q);
      ids.forEach((v, i) => {
        for (let d = 0; d < D; d++) {
          expect(y[i * D + d]).toBe(w[d * V + v]);
          const step = q.scales[v * groupsOf(D, group) + Math.floor(d / group)];
          // within one step: min-max range, integer zero point (the grid shifts up to half a step), FP16 scale
          expect(Math.abs(y[i * D + d] - table[v * D + d])).toBeLessThanOrEqual(step);
        }
      });
    });
  }

  it('leaves tables it cannot take: rows not a multiple of the group, read by another node, or filtered out', () => {
    const { graph } = embeddingGraph(10, 48, 1);
    expect(quantizeEmbeddings(graph, { bits: 4, group: 32 })).toHaveLength(0);
    const shared = embeddingGraph(10, 64, 2).graph;
    const b = new GraphBuilder(shared);
    b.output(b.op('Transpose', ['wte'], { perm: [1, 0] }), 'float32', [64, 10]);
    expect(quantizeEmbeddings(shared, { bits: 4, group: 32 })).toHaveLength(0);
    expect(quantizeEmbeddings(embeddingGraph(10, 64, 3).graph, { bits: 4, group: 32 }, (name) => name !== 'wte')).toHaveLength(0);
    expect(() => quantizeEmbeddings(embeddingGraph(10, 64, 3).graph, { bits: 3, group: 32 })).toThrow(/bits 2\/4\/8/);
  });
});
