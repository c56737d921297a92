// Smoke test of the installed @gradloc/quant-gwq (run plain and as a rolldown bundle by
// tools/pack-check): RTN 4-bit quantization of a one-MatMul model, run in onnxruntime, and
// checked against the float model within 4-bit round-to-nearest's error bound (the packed
// form, MatMulNBits), then the default int8 form against the packed one. Prints one JSON
// line; any mismatch throws (exit code 1).
//
// Bound: groups of G inputs per output column, asymmetric min-max over a range widened to
// contain 0, so scale = (max(0, max w) - min(0, min w)) / 15 and |w - w_q| <= scale / 2 (plus
// the FP16 rounding of the scale: at most 16 codes x scale x 2^-11). Then
// |y_q[j] - y[j]| <= sum_k |x_k| * (0.5 + 16 * 2^-11) * scale(group(k), j).
import assert from 'node:assert/strict';
import { Graph, GraphBuilder, OnnxModel, tensor } from '@gradloc/tensor-backend';
import { quantizeGraph } from '@gradloc/quant-gwq';

const K = 64;
const N = 8;
const G = 32;
// deterministic, uneven weights: a linear congruential sequence in [-1, 1)
let s = 12345;
const next = () => ((s = (s * 1103515245 + 12345) % 2 ** 31) / 2 ** 30) - 1;
const W = Float32Array.from({ length: K * N }, (_, i) => next() * (1 + (i % 5)));
const X = Float32Array.from({ length: K }, () => next());

const g = Graph.create(17);
const b = new GraphBuilder(g);
const x = b.input('x', 'float32', [1, K]);
b.op('MatMul', [x, b.initializer(tensor('float32', [K, N], W), 'fc.weight')], {}, { outputs: ['y'] });
b.output('y', 'float32', [1, N]);

const { graph: q, report } = await quantizeGraph(g, { method: 'rtn', bits: 4, group: G, format: 'packed' });
const ops = q.nodes.map((n) => `${n.domain ? `${n.domain}.` : ''}${n.op}`);
assert.ok(ops.some((o) => o.endsWith('MatMulNBits')), `no MatMulNBits in the quantized graph (ops: ${ops.join(', ')})`);
assert.ok(!q.initializers.has('fc.weight'), 'the float weight is still in the quantized graph');
// 4-bit codes + per group of 32 a float32 scale and a 4-bit zero point (README: storage)
assert.ok(Math.abs(report.bitsPerWeight - (4 + 36 / G)) < 1e-9, `bits per weight ${report.bitsPerWeight}, expected ${4 + 36 / G}`);

const feeds = { x: tensor('float32', [1, K], X) };
const y = (await OnnxModel.fromGraph(g, { threads: 1 }).run(feeds)).y.data;
const yq = (await OnnxModel.fromGraph(q, { threads: 1 }).run(feeds)).y.data;

let maxErr = 0;
for (let j = 0; j < N; j++) {
  let bound = 1e-5;
  let exact = 0;
  for (let g0 = 0; g0 < K; g0 += G) {
    let lo = 0;
    let hi = 0;
    for (let k = g0; k < g0 + G; k++) {
      lo = Math.min(lo, W[k * N + j]);
      hi = Math.max(hi, W[k * N + j]);
    }
    const scale = (hi - lo) / 15;
    for (let k = g0; k < g0 + G; k++) bound += Math.abs(X[k]) * (0.5 + 16 * 2 ** -11) * scale;
  }
  for (let k = 0; k < K; k++) exact += X[k] * W[k * N + j];
  assert.ok(Math.abs(y[j] - exact) < 1e-4, `float model y[${j}] = ${y[j]}, expected ${exact}`);
  const err = Math.abs(yq[j] - y[j]);
  assert.ok(err <= bound, `quantized y[${j}] = ${yq[j]}, float ${y[j]}: error ${err} exceeds the 4-bit bound ${bound}`);
  maxErr = Math.max(maxErr, err);
}
assert.ok(maxErr > 0, 'the quantized model gives exactly the float outputs: nothing was quantized');

// the default: the same codes stored as an int8 matrix (a byte a weight, a float32 scale a
// column) for onnxruntime's integer GEMM; its two extra roundings (weights to a 127-step
// column grid, the input to 255 steps) stay far below the 4-bit error
const { graph: q8, report: r8 } = await quantizeGraph(g, { method: 'rtn', bits: 4, group: G });
const ops8 = q8.nodes.map((n) => n.op);
assert.ok(ops8.includes('MatMulInteger') && ops8.includes('DynamicQuantizeLinear'), `the default is not the int8 form (ops: ${ops8.join(', ')})`);
assert.ok(Math.abs(r8.bitsPerWeight - (8 + 32 / K)) < 1e-9, `int8 bits per weight ${r8.bitsPerWeight}, expected ${8 + 32 / K}`);
const y8 = (await OnnxModel.fromGraph(q8, { threads: 1 }).run(feeds)).y.data;
const top = Math.max(...[...y].map(Math.abs));
for (let j = 0; j < N; j++) assert.ok(Math.abs(y8[j] - yq[j]) <= 0.05 * top, `int8 y[${j}] = ${y8[j]}, packed ${yq[j]}: more than 5% of max |y| apart`);

console.log(JSON.stringify({ y: [...y], yq: [...yq], maxErr, bitsPerWeight: report.bitsPerWeight }));
