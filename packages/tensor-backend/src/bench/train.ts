/**
 * Training benchmark: median step time, the share of a step the optimizer takes (hooks,
 * global norm, clipping and the update, in JS) against the forward+backward session run,
 * and throughput, for a GPT and a ResNet classifier. `npm run bench:train -w @gradloc/tensor-backend`.
 *
 * The configurations of one model (AdamW; AdamW with gradients copied out of onnxruntime
 * instead of written into preallocated buffers; SGD with Nesterov momentum) are timed in
 * interleaved blocks, each block after one untimed step, so load from neighbouring processes
 * and thread-pool switching hit them alike. Flags: --runs N (default 10 timed steps per
 * configuration), --block N (5), --only id,id. Ends with one JSON line of every figure.
 */
import { cpus, loadavg } from 'node:os';
import type { Feeds } from '../runtime/model.js';
import { adamw } from '../training/adamw.js';
import type { Optimizer } from '../training/optimizer.js';
import { sgd } from '../training/sgd.js';
import { Trainer, type StepResult } from '../training/trainer.js';
import { flag } from './args.js';
import { summarise } from '@gradloc/bench-kit';
import { f, pad } from './report.js';
import { TRAIN_CASES, type TrainCase } from './train-cases.js';

interface TrainConfig {
  readonly id: string;
  readonly optimizer: () => Optimizer;
  readonly preallocateGrads: boolean;
}

const CONFIGS: readonly TrainConfig[] = [
  { id: 'adamw', optimizer: () => adamw({ lr: 1e-4 }), preallocateGrads: true },
  { id: 'adamw, grads copied', optimizer: () => adamw({ lr: 1e-4 }), preallocateGrads: false },
  { id: 'sgd nesterov', optimizer: () => sgd({ lr: 1e-3, momentum: 0.9, nesterov: true }), preallocateGrads: true },
];

interface ConfigResult {
  readonly config: string;
  /** First step: gradient graph, session creation, first run. */
  readonly firstStepMs: number;
  readonly stepMs: number;
  readonly forwardBackwardMs: number;
  readonly optimizerMs: number;
  /** Median over steps of optimizer ms / step ms. */
  readonly optimizerShare: number;
  readonly samplesPerSec: number;
  readonly tokensPerSec: number | null;
}

interface CaseResult {
  readonly id: string;
  readonly title: string;
  readonly params: number;
  readonly configs: readonly ConfigResult[];
}

const runs = Number(flag('runs') ?? 10);
const block = Number(flag('block') ?? 5);
const only = flag('only')?.split(',');

async function timeSteps(trainer: Trainer, feeds: Feeds): Promise<{ wall: number; r: StepResult }> {
  const t0 = performance.now();
  const r = await trainer.step(feeds);
  return { wall: performance.now() - t0, r };
}

async function runCase(c: TrainCase): Promise<CaseResult> {
  const graph = c.build();
  const trainers = CONFIGS.map((k) => new Trainer({ model: graph, optimizer: k.optimizer(), clipNorm: 1, preallocateGrads: k.preallocateGrads }));
  const feeds = c.batch(graph);
  const first: number[] = [];
  for (const t of trainers) first.push((await timeSteps(t, feeds)).wall);
  const samples = trainers.map(() => ({ step: [] as number[], fb: [] as number[], opt: [] as number[], share: [] as number[] }));
  while (samples[0].step.length < runs) {
    for (const [i, t] of trainers.entries()) {
      await t.step(feeds); // untimed: the previous trainer's thread pool is still spinning
      for (let k = 0; k < block && samples[i].step.length < runs; k++) {
        const { wall, r } = await timeSteps(t, feeds);
        samples[i].step.push(wall);
        samples[i].fb.push(r.ms.forwardBackward);
        samples[i].opt.push(r.ms.optimizer);
        samples[i].share.push(r.ms.optimizer / wall);
      }
    }
  }
  const params = [...trainers[0].params().values()].reduce((n, a) => n + a.length, 0);
  await Promise.all(trainers.map((t) => t.release()));
  return {
    id: c.id,
    title: c.title,
    params,
    configs: CONFIGS.map((k, i) => {
      const stepMs = summarise(samples[i].step).medianMs;
      return {
        config: k.id,
        firstStepMs: first[i],
        stepMs,
        forwardBackwardMs: summarise(samples[i].fb).medianMs,
        optimizerMs: summarise(samples[i].opt).medianMs,
        optimizerShare: summarise(samples[i].share).medianMs,
        samplesPerSec: (c.samples * 1000) / stepMs,
        tokensPerSec: c.tokens ? (c.tokens * 1000) / stepMs : null,
      };
    }),
  };
}

function table(results: readonly CaseResult[]): string {
  const rows = [['model', 'params', 'config', 'step ms', 'f+b ms', 'optimizer ms', 'opt share', 'samples/s', 'tokens/s', 'first step ms']];
  for (const r of results) {
    for (const k of r.configs) {
      rows.push([r.title, `${(r.params / 1e6).toFixed(2)}M`, k.config, f(k.stepMs), f(k.forwardBackwardMs), f(k.optimizerMs), `${f(100 * k.optimizerShare)}%`, f(k.samplesPerSec), f(k.tokensPerSec, 0), f(k.firstStepMs, 0)]);
    }
  }
  return pad(rows);
}

async function main(): Promise<void> {
  const loadBefore = loadavg()[0];
  console.log(`gradloc training bench: ${cpus().length} cores, node ${process.version}, ${runs} timed steps per configuration (medians); load average ${loadBefore.toFixed(2)}\n`);
  const results: CaseResult[] = [];
  for (const c of TRAIN_CASES.filter((x) => !only || only.includes(x.id))) {
    const t0 = performance.now();
    results.push(await runCase(c));
    console.log(`  ${c.title}: done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  }
  console.log(`\n${table(results)}\n`);
  console.log('step = Trainer.step wall time; f+b = the one onnxruntime run (forward, loss, every weight gradient);');
  console.log('optimizer = hooks + global norm + clipping (clipNorm 1) + update in JS; opt share = median of optimizer / step.');
  const load = { before: loadBefore, after: loadavg()[0] };
  console.log(`load average before ${load.before.toFixed(2)}, after ${load.after.toFixed(2)} (above ~0.5 the figures are inflated by other processes)`);
  console.log(JSON.stringify({ bench: '@gradloc/tensor-backend train', cores: cpus().length, node: process.version, load, runs, results, maxRssMB: process.resourceUsage().maxRSS / 1024 }));
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
  process.exit(1);
});
