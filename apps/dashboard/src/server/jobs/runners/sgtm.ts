/**
 * sgtm.train as a job: sgtm-train's trainSgtmModel (what `gradloc sgtm train` runs) into a
 * temporary folder, then its model.onnx, tokenizer.json and card.json kept as job files. The
 * result carries the card's losses: the trained model's, and after ablation (raw and
 * calibrated). Progress: the training steps (loss, tokens/s), then the evaluation stages.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { trainSgtmModel } from '@gradloc/sgtm-train';
import type { SgtmTrainInput } from '../../schemas.js';
import { span, type JobContext } from '../context.js';

const FILES = ['model.onnx', 'tokenizer.json', 'card.json'] as const;

export async function runSgtm(input: SgtmTrainInput, ctx: JobContext) {
  const dir = mkdtempSync(join(tmpdir(), 'gradloc-sgtm-job-'));
  try {
    let lastLoss = NaN;
    ctx.report(0, 'building the bilingual corpus and the model');
    const r = await trainSgtmModel({
      method: input.method,
      undiscoveredPercent: input.undiscovered,
      steps: input.steps,
      outDir: dir,
      name: `sgtm-job-${ctx.jobId}`,
      evalWindows: input.evalWindows,
      threads: ctx.services.runtime.threads,
      onProgress: (p) => {
        if (!Number.isNaN(p.loss)) lastLoss = p.loss;
        ctx.report(span(0, 0.85, p.step, p.total), `step ${p.step}/${p.total}: loss ${lastLoss.toFixed(3)}, ${Math.round(p.tokensPerSec)} tokens/s`);
      },
      onLog: (line) => {
        if (line.startsWith('training done')) ctx.report(0.86, 'scoring the test splits: full, ablated, ablated + calibrated');
      },
    });
    const files: Record<string, string> = {};
    for (const f of FILES) files[f] = await ctx.saveFile(`sgtm-${input.method}-${input.undiscovered}pct-${f}`, readFileSync(join(dir, f)));
    return {
      method: input.method,
      undiscovered: input.undiscovered,
      steps: input.steps,
      evalWindows: input.evalWindows,
      /** The trained model's test losses (nats): English = retain, cipher = forget. */
      full: { retain_loss: r.metrics.retain_loss, forget_loss: r.metrics.forget_loss },
      ablated: r.removal?.ablated ?? null,
      calibrated: r.removal?.calibrated ?? null,
      tokensPerSec: Math.round(r.tokensPerSec),
      wallSec: Math.round(r.wallSec * 10) / 10,
      files,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export type SgtmResult = Awaited<ReturnType<typeof runSgtm>>;
