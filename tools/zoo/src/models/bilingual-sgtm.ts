/**
 * The SGTM models of the bilingual Brown corpus (English = retain, cipher = forget), all at
 * 10% undiscovered forget data: sgtm-bilingual (Selective Gradient Masking), filter-bilingual
 * (data filtering) and none-bilingual (no filtering: the target of fine-tuning recovery and the
 * model RMU is applied to). Shipped unablated: `gradloc sgtm eval --ablate` ablates.
 */
import { SGTM_TRAIN, trainSgtmModel, type Method } from '@gradloc/sgtm-train';
import type { TrainOptions, TrainReport } from '@gradloc/models';
import { registerModel } from '../zoo/registry.js';
import { trainCommand } from '../zoo/run-info.js';

const UNDISCOVERED_PERCENT = 10;

function recipe(name: string, method: Method, summary: string): void {
  registerModel({
    name,
    summary,
    async train(opts: TrainOptions): Promise<TrainReport> {
      const seed = opts.seed ?? SGTM_TRAIN.seed;
      const steps = opts.steps ?? SGTM_TRAIN.steps;
      let lastLoss = NaN;
      const r = await trainSgtmModel({
        method,
        undiscoveredPercent: UNDISCOVERED_PERCENT,
        outDir: opts.outDir,
        name,
        seed,
        steps,
        evalWindows: opts.evalSamples,
        threads: opts.threads,
        command: trainCommand(name, [['seed', seed, SGTM_TRAIN.seed], ['steps', steps, SGTM_TRAIN.steps], ['eval-samples', opts.evalSamples ?? 0, 0]]),
        onLog: opts.onLog,
        onProgress: (p) => {
          if (!Number.isNaN(p.loss)) lastLoss = p.loss;
          opts.onProgress?.({ step: p.step, total: p.total, loss: lastLoss, lr: p.lr, throughput: p.tokensPerSec, unit: 'tokens', etaSec: p.etaSec });
        },
      });
      return { metrics: r.metrics, wallTimeSec: Math.round(r.wallSec * 10) / 10, steps };
    },
  });
}

recipe('sgtm-bilingual', 'sgtm', `SGTM GPT of bilingual Brown (English retain, cipher forget), ${UNDISCOVERED_PERCENT}% undiscovered; losses before/after ablation`);
recipe('filter-bilingual', 'filter', `data-filtered GPT of bilingual Brown, ${UNDISCOVERED_PERCENT}% of the cipher undiscovered (trained on)`);
recipe('none-bilingual', 'none', 'unfiltered GPT of bilingual Brown (the recovery target and RMU starting point)');
