/**
 * `npm run bench -w @gradloc/gflownet`: where a GFlowNet's time goes, measured in one run on
 * the authors' small set task (30 items, sets of 20, the 256 x 256 MLP, batches of 16, one
 * onnxruntime thread - the training default). Interleaved medians (bench-kit) of:
 *  - sampling 16 trajectories batched (one policy call per step for the whole batch) and the
 *    naive way (one call per trajectory per step), their ratio;
 *  - the FL-DB loss forward alone and the training step (forward + backward + Adam in one
 *    engine call), their ratio;
 *  - the training loop's step (16 explored + 16 on-policy trajectories sampled, one update).
 * Prints one JSON object; --runs N (default 15); --write also writes the README's section.
 */
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { replaceSection, timeInterleaved } from '@gradloc/bench-kit';
import { envByName } from '../env/presets.js';
import { GFlowNet } from '../train/gflownet.js';
import type { Trajectory } from '../sample/trajectory.js';

const flag = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};

async function main(): Promise<void> {
  const runs = flag('runs', 15);
  const batch = 16;
  const env = envByName('set-small');
  const gfn = new GFlowNet({ env, loss: 'fldb', seed: 0 });
  try {
    const data: Trajectory[] = await gfn.sample(batch, { epsilon: 0.5 });
    const naive = async (): Promise<void> => {
      for (let i = 0; i < batch; i++) await gfn.sample(1, { epsilon: 0.5 });
    };
    const t = await timeInterleaved(
      {
        batched: () => gfn.sample(batch, { epsilon: 0.5 }),
        naive,
        forward: () => gfn.loss(data),
        step: () => gfn.step(data),
        loop: async () => {
          const s = await gfn.sample(2 * batch, { epsilon: [...new Array<number>(batch).fill(0.5), ...new Array<number>(batch).fill(0)] });
          await gfn.step(s.slice(0, batch));
        },
      },
      runs,
      2,
    );
    const r3 = (x: number): number => Math.round(x * 1000) / 1000;
    const perSec = (ms: number): number => Math.round((batch * 1000) / ms);
    const result = {
      task: `set-small (30 items, sets of 20), MLP 256 x 256, batch ${batch}, 1 onnxruntime thread`,
      runs,
      load_average_1min: Math.round(loadavg()[0] * 100) / 100,
      trajectories_per_sec: { sampling_batched: perSec(t.batched.medianMs), sampling_naive: perSec(t.naive.medianMs), training_loop: perSec(t.loop.medianMs) },
      batched_vs_naive_speedup: r3(t.naive.medianMs / t.batched.medianMs),
      ms: { sample_batched: r3(t.batched.medianMs), sample_naive: r3(t.naive.medianMs), loss_forward: r3(t.forward.medianMs), train_step: r3(t.step.medianMs), loop_step: r3(t.loop.medianMs) },
      train_step_vs_forward: r3(t.step.medianMs / t.forward.medianMs),
    };
    console.log(JSON.stringify(result));
    if (process.argv.includes('--write')) {
      const tp = result.trajectories_per_sec;
      replaceSection(fileURLToPath(new URL('../../README.md', import.meta.url)), 'gfn-bench', [
        `One run of \`npm run bench -w @gradloc/gflownet -- --write\` (${result.task}; ${runs} interleaved runs each, medians; 1-minute load average ${result.load_average_1min}; ${new Date().toISOString().slice(0, 10)}):`,
        '',
        '| measured | value |',
        '|---|---|',
        `| sampling, batched (one policy call per step for all 16): trajectories/s | ${tp.sampling_batched} |`,
        `| sampling, one call per trajectory per step: trajectories/s | ${tp.sampling_naive} |`,
        `| batched vs naive | ${result.batched_vs_naive_speedup.toFixed(2)}x |`,
        `| FL-DB loss forward / training step (forward + backward + Adam, one engine call) | ${result.ms.loss_forward.toFixed(2)} ms / ${result.ms.train_step.toFixed(2)} ms (${result.train_step_vs_forward.toFixed(2)}x) |`,
        `| training loop step (16 explored + 16 on-policy trajectories, one update) | ${result.ms.loop_step.toFixed(2)} ms (${tp.training_loop} training trajectories/s) |`,
      ].join('\n'));
    }
  } finally {
    await gfn.release();
  }
}

await main();
