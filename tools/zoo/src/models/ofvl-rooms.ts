/**
 * ofvl-rooms: one OFVL-MS scene-coordinate network for the four synthetic rooms (layer-adaptive
 * sharing, gradient normalization, sparse penalty), evaluated with PnP-RANSAC on held-out
 * trajectories. `gradloc localize pose|eval --model ofvl-rooms` uses it.
 */
import { join } from 'node:path';
import { TRAIN_DEFAULTS, trainRoomsModel } from '@gradloc/ofvl-localize';
import type { TrainOptions, TrainReport } from '@gradloc/models';
import { registerModel } from '../zoo/registry.js';
import { trainCommand } from '../zoo/run-info.js';

const NAME = 'ofvl-rooms';
const SEED = 0;

registerModel({
  name: NAME,
  summary: 'OFVL-MS scene-coordinate network for 4 synthetic rooms (shared/specific layers); camera poses by PnP-RANSAC',
  async train(opts: TrainOptions): Promise<TrainReport> {
    const seed = opts.seed ?? SEED;
    const steps = opts.steps ?? TRAIN_DEFAULTS.steps;
    let resumed = false;
    const r = await trainRoomsModel({
      outDir: opts.outDir,
      name: NAME,
      seed,
      steps,
      evalFrames: opts.evalSamples,
      threads: opts.threads,
      command: trainCommand(NAME, [['seed', seed, SEED], ['steps', steps, TRAIN_DEFAULTS.steps], ['eval-samples', opts.evalSamples ?? 0, 0]]),
      onLog: opts.onLog,
      // a crashed or killed run continues where its last checkpoint left it when rerun
      checkpoint: { dir: join(opts.outDir, '.checkpoint') },
      onProgress: (p) => {
        if (p.resumedFrom !== undefined && !resumed) {
          resumed = true;
          opts.onLog?.(`continuing from the checkpoint at step ${p.resumedFrom} (${join(opts.outDir, '.checkpoint')})`);
        }
        if (p.phase !== 'train') {
          opts.onLog?.(p.phase === 'render' ? 'rendering the training frames' : 'BatchNorm running statistics');
          return;
        }
        const mean = (o: Readonly<Record<string, number>>): number => Object.values(o).reduce((a, b) => a + b, 0) / Math.max(1, Object.keys(o).length);
        opts.onProgress?.({ step: p.step, total: p.steps, loss: mean(p.loss), lr: p.lr, throughput: p.framesPerSec, unit: 'samples', etaSec: p.etaSec });
      },
    });
    return { metrics: r.metrics, wallTimeSec: Math.round(r.result.wallTimeSec * 10) / 10, steps };
  },
});
