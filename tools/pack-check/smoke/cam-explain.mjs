// Smoke test of the installed @gradloc/cam-explain (run plain and as a rolldown bundle by
// tools/pack-check): Grad-CAM of a model small enough to compute by hand, and a PNG round
// trip through sharp. Prints one JSON line; any mismatch throws (exit code 1).
//
// x [1, 1, 4, 4] -> Conv 1x1 with weights [+1, -1] -> ReLU = feat [1, 2, 4, 4]
//   (A0 = ReLU(x), A1 = ReLU(-x)) -> global average pool -> logits = pooled . HEAD.
// d logit_c / d A_k = HEAD[k][c] / 16 at every pixel, so Grad-CAM's channel weights are
// w_k = HEAD[k][c] / 16 and the map is min-max(ReLU(sum_k w_k A_k)) at the input's size
// (same size: no resampling), min-max as (v - min) / (max - min + 1e-7).
import assert from 'node:assert/strict';
import { decodeImage, encodePNG, Graph, GraphBuilder, heatmapRGB, OnnxModel, tensor } from '@gradloc/tensor-backend';
import { classTarget, createMethod } from '@gradloc/cam-explain';

const HEAD = [
  [2, -1],
  [1, 3],
]; // [channel k][class c]
const X = Array.from({ length: 16 }, (_, i) => ((i * 7) % 16 - 7.5) / 8); // no zeros: ReLU's kink stays out

const g = Graph.create(17);
const b = new GraphBuilder(g);
const x = b.input('x', 'float32', [1, 1, 4, 4]);
const conv = b.op('Conv', [x, b.initializer(tensor('float32', [2, 1, 1, 1], [1, -1]), 'conv.weight')], { kernel_shape: [1, 1] });
const feat = b.op('Relu', [conv], {}, { outputs: ['feat'] });
const pooled = b.op('Flatten', [b.op('GlobalAveragePool', [feat])], { axis: 1 });
b.op('MatMul', [pooled, b.initializer(tensor('float32', [2, 2], HEAD.flat()), 'head.weight')], {}, { outputs: ['logits'] });
b.output('logits', 'float32', [1, 2]);
const model = OnnxModel.fromGraph(g, { threads: 1 });

const result = {};
for (const c of [0, 1]) {
  const cam = await createMethod('gradcam').explain({ model, feeds: { x: tensor('float32', [1, 1, 4, 4], X) }, target: classTarget({ output: 'logits', classes: c, score: 'logit' }), layers: [{ name: 'feat' }] });
  assert.deepEqual([cam.batch, cam.height, cam.width], [1, 4, 4], `class ${c}: map dims`);
  const raw = X.map((v) => Math.max(0, (HEAD[0][c] / 16) * Math.max(0, v) + (HEAD[1][c] / 16) * Math.max(0, -v)));
  const lo = Math.min(...raw);
  const hi = Math.max(...raw);
  const want = raw.map((v) => (v - lo) / (hi - lo + 1e-7));
  for (let p = 0; p < 16; p++) {
    assert.ok(Math.abs(cam.maps[p] - want[p]) <= 1e-5, `class ${c}: Grad-CAM[${p}] = ${cam.maps[p]}, expected ${want[p]} (by hand)`);
  }
  assert.ok(Math.max(...cam.maps) > 0.99, `class ${c}: the map is not scaled to a maximum of 1`);
  // logit c = sum_k HEAD[k][c] * mean(A_k)
  const logit = (HEAD[0][c] * X.reduce((s, v) => s + Math.max(0, v), 0) + HEAD[1][c] * X.reduce((s, v) => s + Math.max(0, -v), 0)) / 16;
  assert.ok(Math.abs(cam.scores[0] - logit) <= 1e-5, `class ${c}: score ${cam.scores[0]}, expected logit ${logit}`);
  result[`class${c}`] = [...cam.maps];
}

// PNG through sharp (an external, native dependency): lossless round trip of a heatmap
const heat = heatmapRGB(result.class1, 4, 4, 'jet');
const png = await encodePNG(heat);
assert.deepEqual([...png.subarray(1, 4)].map((v) => String.fromCharCode(v)).join(''), 'PNG', 'encodePNG did not write a PNG');
const back = await decodeImage(png);
assert.deepEqual([back.width, back.height], [4, 4], 'decoded PNG size');
assert.deepEqual([...back.data], [...heat.data], 'the PNG round trip changed pixels');

console.log(JSON.stringify(result));
