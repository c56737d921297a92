/**
 * The default group: the largest of 128, 64, 32 dividing every quantized width (matrices' K,
 * embedding rows), so a default run pads no group and keeps no embedding in FP32 for want of
 * a fitting group.
 */
import { Graph, GraphBuilder, rng, tensor } from '@gradloc/tensor-backend';
import { describe, expect, it } from 'vitest';
import { defaultGroup } from '../src/quant/spec.js';
import { quantizeGraph } from '../src/quantize.js';

describe('defaultGroup', () => {
  it('picks the largest supported group that divides every width', () => {
    expect(defaultGroup([192, 768])).toBe(64); // brown-gpt
    expect(defaultGroup([512, 2048])).toBe(128);
    expect(defaultGroup([1280, 5120, 1280])).toBe(128);
    expect(defaultGroup([96, 384])).toBe(32);
    expect(defaultGroup([256, 192])).toBe(64);
  });

  it('falls back to 128 when no group divides them all', () => {
    expect(defaultGroup([100, 256])).toBe(128);
    expect(defaultGroup([])).toBe(128);
  });
});

/** ids -> Gather(table [50, D]) -> MatMul([D, 2D]) -> MatMul([2D, D]) -> y. */
function tinyLm(D: number): Graph {
  const g = Graph.create(17, 'tiny-lm');
  const b = new GraphBuilder(g);
  const r = rng(D);
  const w = (rows: number, cols: number, name: string) => b.initializer(tensor('float32', [rows, cols], Float32Array.from({ length: rows * cols }, () => r() - 0.5)), name);
  const h = b.op('Gather', [w(50, D, 'wte'), b.input('ids', 'int64', [1, 4])], { axis: 0 });
  const y = b.op('MatMul', [b.op('MatMul', [h, w(D, 2 * D, 'up')]), w(2 * D, D, 'down')], {}, { outputs: ['y'] });
  b.output(y, 'float32', [1, 4, D]);
  return g;
}

describe('quantizeGraph without a group', () => {
  for (const [D, want] of [[192, 64], [256, 128], [96, 32]] as const) {
    it(`D = ${D}: group ${want}, the embedding quantized, no padded codes`, async () => {
      const { report } = await quantizeGraph(tinyLm(D), { method: 'rtn', format: 'packed' });
      expect(report.group).toBe(want);
      expect(report.embeddings.map((e) => e.weight)).toEqual(['wte']);
      // per column: K 4-bit codes (no padding), a float32 scale a group, zero points packed to whole bytes
      for (const m of report.matrices) {
        const G = m.K / want;
        expect(Number.isInteger(G)).toBe(true);
        expect(m.bitsPerWeight).toBeCloseTo((4 * m.K + 32 * G + 8 * Math.ceil((4 * G) / 8)) / m.K, 9);
      }
    });
  }

  it('an explicit group wins (and pads where it must)', async () => {
    const { report } = await quantizeGraph(tinyLm(192), { method: 'rtn', group: 128 });
    expect(report.group).toBe(128);
    expect(report.embeddings).toHaveLength(0); // 192 rows are not whole groups of 128
    expect(report.matrices[0].bitsPerWeight).toBeGreaterThan(5);
  });
});
