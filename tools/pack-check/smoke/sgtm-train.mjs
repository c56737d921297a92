// Smoke test of the installed @gradloc/sgtm-train (run plain and as a rolldown bundle by
// tools/pack-check): the SGTM split of a tiny GPT, counted by hand; three SGTM steps on
// forget-only batches, after which every retain parameter is bit-identical and the forget
// parameters have moved; ablation zeroes exactly the forget elements. Prints one JSON line.
import assert from 'node:assert/strict';
import { sliceRuns, tensorFromProto } from '@gradloc/tensor-backend';
import { ablate, buildSgtmGpt, gptLayout, splitParameters, trainSgtm } from '@gradloc/sgtm-train';

const model = buildSgtmGpt(16, 1, { context: 8, dim: 16, depth: 1, heads: 2, mlpRatio: 4 });
const split = splitParameters(gptLayout(model), { forgetUnits: 8, forgetHeads: 1 });
const values = (g, slices) => slices.flatMap((s) => {
  const t = tensorFromProto(g.initializers.get(s.param));
  const runs = sliceRuns(t.dims, s);
  const out = [];
  for (let r = 0; r < runs.length; r += 2) for (let i = runs[r]; i < runs[r + 1]; i++) out.push(t.data[i]);
  return out;
});
// d = 16, k = 8 units, one head of 8: c_fc cols + bias, c_proj rows, out-proj rows, q/k/v cols + bias
const expectedForget = 16 * 8 + 8 + 8 * 16 + 8 * 16 + 3 * 16 * 8 + 3 * 8;
assert.equal(values(model, split.forget).length, expectedForget);

const stream = Int32Array.from({ length: 400 }, (_, i) => i % 16);
const r = await trainSgtm({ model, streams: { forget: stream, retain: stream }, method: 'sgtm', undiscovered: 0, forgetShare: 1, split: { forgetUnits: 8, forgetHeads: 1 }, steps: 3, batch: 2 });
assert.deepEqual(r.labels, { forget: 3, retain: 0, default: 0 });
assert.deepEqual(values(r.model, split.groups[1].slices), values(model, split.groups[1].slices), 'a retain parameter moved on a forget step');
assert.notDeepEqual(values(r.model, split.forget), values(model, split.forget));
const zeroed = values(ablate(r.model, split.forget), split.forget);
assert.ok(zeroed.every((v) => v === 0));
console.log(JSON.stringify({ forgetElements: expectedForget, steps: r.steps, retainUnchanged: true }));
