/** Warm starts: weights copied by name, renamed, grown along the first axis, or left fresh. */
import { describe, expect, it } from 'vitest';
import { Graph, tensorFromProto, tensorToProto } from '@gradloc/tensor-backend';
import { describeWarmStart, warmStartFrom } from '../src/models/common/warm-start.js';

function graphWith(weights: Record<string, [number[], number[]]>): Graph {
  const g = Graph.create();
  for (const [name, [dims, values]] of Object.entries(weights)) g.initializers.set(name, tensorToProto(name, { dtype: 'float32', dims, data: Float32Array.from(values) }));
  return g;
}
const values = (g: Graph, name: string): number[] => Array.from(tensorFromProto(g.initializers.get(name)!).data as Float32Array);

describe('warmStartFrom', () => {
  const source = graphWith({
    'a.weight': [[2, 2], [1, 2, 3, 4]],
    'head.proj.weight': [[2], [5, 6]],
    pos: [[2, 1], [7, 8]],
    scale: [[1], [9]],
    unused: [[1], [10]],
  });

  it('copies equal shapes, renamed prefixes and leading rows; leaves skipped and unknown weights fresh', () => {
    const target = graphWith({
      'a.weight': [[2, 2], [0, 0, 0, 0]],
      'proj.weight': [[2], [0, 0]],
      pos: [[3, 1], [-1, -1, -1]],
      scale: [[1], [-2]],
      mine: [[1], [-3]],
    });
    const spec = { model: 'src', rename: [['proj.', 'head.proj.']] as const, skip: /^scale$/ };
    const r = warmStartFrom(target, source, spec);
    expect(values(target, 'a.weight')).toEqual([1, 2, 3, 4]);
    expect(values(target, 'proj.weight')).toEqual([5, 6]);
    expect(values(target, 'pos')).toEqual([7, 8, -1]);
    expect(values(target, 'scale')).toEqual([-2]);
    expect(values(target, 'mine')).toEqual([-3]);
    expect(r).toEqual({ copied: 2, grown: ['pos'], fresh: ['scale', 'mine'] });
    expect(describeWarmStart(spec, r)).toBe(
      "initialised from the zoo's src (models/src/model.onnx): 3 weight tensors copied by name (proj.* from head.proj.*), pos into the leading rows; fresh: scale, mine",
    );
  });

  it('refuses a weight whose shape cannot hold the source', () => {
    for (const dims of [[1, 2], [2, 3], [4]]) {
      const target = graphWith({ 'a.weight': [dims, new Array(dims.reduce((x, y) => x * y, 1)).fill(0)] });
      expect(() => warmStartFrom(target, source, { model: 'src' })).toThrow(/'a\.weight' is \[.*\] here but \[2, 2\] there/);
    }
  });
});
