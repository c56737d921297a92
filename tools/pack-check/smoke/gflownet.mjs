// Smoke test of the installed @gradloc/gflownet (run plain and as a rolldown bundle by
// tools/pack-check): FL-DB on a 6-item set task (sets of 3, 20 terminal sets) for 150 steps
// must bring the sampler's exact distribution closer to R than it starts. Prints one JSON line.
import assert from 'node:assert/strict';
import { SetEnv, trainGFlowNet } from '@gradloc/gflownet';

const env = new SetEnv({ energies: [0.9, -0.6, 0.3, -1.2, 0.0, 0.5], size: 3 });
const r = await trainGFlowNet({ env, loss: 'fldb', steps: 150, evalEvery: 150, hidden: [64, 64], seed: 0 });
const [first, last] = [r.curve[0].l1, r.curve[r.curve.length - 1].l1];
assert.ok(last < first / 2, `L1 ${first} -> ${last}`);
console.log(JSON.stringify({ steps: 150, l1Start: Number(first.toFixed(4)), l1End: Number(last.toFixed(4)) }));
