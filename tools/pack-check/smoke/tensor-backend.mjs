// Smoke test of the installed @gradloc/tensor-backend (run plain and as a rolldown bundle by
// tools/pack-check): build y = sum(tanh(x W)) with the graph builder, take its gradient
// w.r.t. the input x and the weight W in one onnxruntime run, and compare with the closed
// form dy/dx_i = sum_j W_ij (1 - tanh(z_j)^2), dy/dW_ij = x_i (1 - tanh(z_j)^2), z = x W.
// Also: more than 100 ops have gradient rules (the registries survive bundling; 124 today), and
// the ./testing export's gradCheck agrees with central finite differences.
// Prints one JSON line; any mismatch throws (exit code 1, message on stderr).
import assert from 'node:assert/strict';
import { Graph, GraphBuilder, OnnxModel, gradOps, tensor } from '@gradloc/tensor-backend';
import { gradCheck } from '@gradloc/tensor-backend/testing';

// the op registries: a bundler must not drop the rule families (side-effect registrations)
const ops = gradOps().length;
assert.ok(ops > 100, `gradOps() lists ${ops} ops with gradient rules, expected more than 100: the rule registrations were dropped`);

const X = [0.5, -1.25, 2];
const W = [0.3, -0.7, 1.1, 0.2, -0.4, 0.9]; // [3, 2], row-major

const g = Graph.create(17);
const b = new GraphBuilder(g);
const x = b.input('x', 'float32', [1, 3]);
const w = b.initializer(tensor('float32', [3, 2], W), 'W');
const z = b.op('MatMul', [x, w]);
b.op('ReduceSum', [b.op('Tanh', [z])], { keepdims: 0 }, { outputs: ['y'] });
b.output('y', 'float32', []);
const model = OnnxModel.fromGraph(g, { threads: 1 });

const { grads, outputs } = await model.vjp({ feeds: { x: tensor('float32', [1, 3], X) }, of: 'y', wrt: ['x', w] });

// closed form, in float64
const zs = [0, 1].map((j) => X.reduce((s, xi, i) => s + xi * W[i * 2 + j], 0));
const sech2 = zs.map((v) => 1 - Math.tanh(v) ** 2);
const y = zs.reduce((s, v) => s + Math.tanh(v), 0);
const dx = [0, 1, 2].map((i) => W[i * 2] * sech2[0] + W[i * 2 + 1] * sech2[1]);
const dW = [0, 1, 2].flatMap((i) => [X[i] * sech2[0], X[i] * sech2[1]]);

const close = (what, got, want, tol = 1e-5) => {
  assert.equal(got.length, want.length, `${what}: ${got.length} values, expected ${want.length}`);
  for (let i = 0; i < want.length; i++) assert.ok(Math.abs(got[i] - want[i]) <= tol, `${what}[${i}] = ${got[i]}, expected ${want[i]} (closed form)`);
};
close('y', [...outputs.y.data], [y]);
close('dy/dx', [...grads.x.data], dx);
close('dy/dW', [...grads[w].data], dW);

// the ./testing export: central finite differences agree with the analytic VJP
const check = await gradCheck(model, { x: tensor('float32', [1, 3], X) }, { of: 'y', wrt: ['x'] });
assert.ok(check.maxScaledError < 1e-2, `gradCheck: max scaled error ${check.maxScaledError}`);

console.log(JSON.stringify({ y: outputs.y.data[0], dx: [...grads.x.data], dW: [...grads[w].data], gradOps: ops }));
