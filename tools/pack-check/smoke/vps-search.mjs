// Smoke test of the installed @gradloc/vps-search (run plain and as a rolldown bundle by
// tools/pack-check): a VPS search through OnnxGrounder on a hand-made grounder graph whose
// scores are known, checking the search order, its objective values and the explained region.
// Prints one JSON line; any mismatch throws (exit code 1).
//
// The grounder: pixel_values [B, 3, 8, 8] -> logit = 10 * mean(top-left 4x4 quadrant)
// + 4 * mean(bottom-right quadrant) - 7 for every query, two predictions with fixed boxes,
// the first one exactly the target box (IoU 1), the second far from it. On an all-ones image
// with a black baseline and a 2 x 2 grid, with F = s_ins + (1 - s_del):
//   step 1: top-left (F = 2 sigmoid(3)); step 2: bottom-right (F = 2 sigmoid(7));
// so the map is 1 on the top-left quadrant, next highest on the bottom-right.
import assert from 'node:assert/strict';
import { Emit, Graph, GraphBuilder, OnnxModel, tensor } from '@gradloc/tensor-backend';
import { searchDetection, OnnxGrounder } from '@gradloc/vps-search';

const S = 8;
const BOXES = [0.5, 0.5, 0.5, 0.5, 0.1, 0.1, 0.1, 0.1]; // (cx, cy, w, h) of two predictions
const TARGET = [0.25, 0.25, 0.75, 0.75]; // the first box as (x0, y0, x1, y1)

const g = Graph.create(17);
const b = new GraphBuilder(g);
const e = new Emit(b, 17);
const x = b.input('pixel_values', 'float32', ['batch', 3, S, S]);
b.input('input_ids', 'int64', [1, 4]);
const quadrantMean = (y0, x0) => e.reduce('ReduceMean', b.op('Slice', [x, b.ints([y0, x0]), b.ints([y0 + S / 2, x0 + S / 2]), b.ints([2, 3])]), [1, 2, 3], false);
const scaled = (t, k) => b.op('Mul', [t, b.constant(tensor('float32', [], [k]))]);
const logit = b.op('Sub', [b.op('Add', [scaled(quadrantMean(0, 0), 10), scaled(quadrantMean(S / 2, S / 2), 4)]), b.constant(tensor('float32', [], [7]))]);
const batch = b.op('Slice', [b.op('Shape', [x]), b.ints([0]), b.ints([1])]);
b.op('Expand', [e.reshape(logit, [-1, 1, 1]), b.op('Concat', [batch, b.ints([2, 1])], { axis: 0 })], {}, { outputs: ['logits'] });
b.op('Expand', [b.constant(tensor('float32', [1, 2, 4], BOXES)), b.op('Concat', [batch, b.ints([2, 4])], { axis: 0 })], {}, { outputs: ['pred_boxes'] });
g.addOutput('logits', 'float32', ['batch', 2, 1]);
g.addOutput('pred_boxes', 'float32', ['batch', 2, 4]);

const detector = new OnnxGrounder({ model: OnnxModel.fromGraph(g, { threads: 1 }), encodeQuery: () => ({ input_ids: tensor('int64', [1, 4], [1, 2, 3, 0]) }) });
const image = { height: S, width: S, data: new Float32Array(3 * S * S).fill(1) };
const r = await searchDetection({ detector, image, target: { query: 'the thing', box: TARGET }, regions: 4, division: 'grid' });
await detector.release();

const sigmoid = (v) => 1 / (1 + Math.exp(-v));
const quadrant = (i) => (Math.floor(i / S) < S / 2 ? 0 : 2) + ((i % S) < S / 2 ? 0 : 1); // 0 TL, 1 TR, 2 BL, 3 BR
const pixelsOf = (region) => [...r.regions.labels.keys()].filter((i) => r.regions.labels[i] === region);
assert.equal(r.regions.count, 4, 'a 2 x 2 grid');
assert.equal(r.search.order.length, 4, 'every region is selected');
const first = pixelsOf(r.search.order[0]);
const second = pixelsOf(r.search.order[1]);
assert.ok(first.length === 16 && first.every((i) => quadrant(i) === 0), `the first region selected is not the top-left quadrant (pixels ${first.join(',')})`);
assert.ok(second.length === 16 && second.every((i) => quadrant(i) === 3), `the second region selected is not the bottom-right quadrant (pixels ${second.join(',')})`);
const near = (what, got, want) => assert.ok(Math.abs(got - want) <= 1e-5, `${what} = ${got}, expected ${want} (by hand)`);
near('F after step 1', r.search.steps[0].value, 2 * sigmoid(3));
near('s_ins after step 1', r.search.steps[0].insertion, sigmoid(3));
near('F after step 2', r.search.steps[1].value, 2 * sigmoid(7));
near('F of the empty set', r.search.initial.value, 1 + sigmoid(-7) - sigmoid(7));

// the map: 1 on the top-left quadrant, bottom-right next, the rest below
const by = [0, 1, 2, 3].map((q) => [...r.map].filter((_, i) => quadrant(i) === q));
assert.ok(by[0].every((v) => v === 1), `map on the top-left quadrant: ${by[0].join(',')}, expected all 1`);
assert.ok(Math.min(...by[3]) > Math.max(...by[1], ...by[2]), 'the bottom-right quadrant is not the second most important');
assert.ok([...r.map].every((v) => v >= 0 && v <= 1), 'map values outside [0, 1]');
// a full order over n regions costs 2 + n (n + 1) forward passes (README)
assert.equal(r.metrics.forwardPasses, 2 + 4 * 5, 'forward passes');

console.log(JSON.stringify({ order: r.search.order, values: r.search.steps.map((s) => s.value), map: [...r.map] }));
