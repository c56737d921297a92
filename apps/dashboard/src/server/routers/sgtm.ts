/**
 * sgtm.*: Selective Gradient Masking on the bilingual models (sgtm-train's entry points):
 * the losses of a shipped model before and after ablation, a training job, and the measured
 * trade-off and recovery results.
 */
import { evaluateSgtm, openSgtmModel, readResults } from '@gradloc/sgtm-train';
import { sgtmEvalInput, sgtmTrainInput } from '../schemas.js';
import { jobProcedure, publicProcedure, router } from '../trpc.js';
import { jobView } from '../jobs/store.js';

export const sgtmRouter = router({
  eval: publicProcedure
    .meta({ description: "A bilingual model's test losses in nats (retain_loss: English, forget_loss: the cipher language), optionally after ablating the forget parameters and recalibrating the LM-head bias." })
    .input(sgtmEvalInput)
    .mutation(async ({ ctx, input }) => {
      const entry = ctx.services.registry.get(input.model, 'bilingual-lm');
      const t0 = performance.now();
      const r = await evaluateSgtm(openSgtmModel(entry.dir), { ablate: input.ablate, calibrate: input.calibrate, maxWindows: input.maxWindows, runtime: ctx.services.runtime });
      return { model: entry.name, ablate: input.ablate, calibrate: input.calibrate, retain_loss: r.retain_loss, forget_loss: r.forget_loss, tokens: r.tokens, ms: Math.round(performance.now() - t0) };
    }),
  train: jobProcedure
    .meta({ description: 'Starts an SGTM (or routing, filter, none) training job on the bilingual corpus; returns the job. Its result has the losses before and after ablation and the model files.' })
    .input(sgtmTrainInput)
    .mutation(async ({ ctx, input }) => jobView(await ctx.jobs.create('sgtm', input))),
  results: publicProcedure
    .meta({ description: 'The measured retain/forget trade-off of SGTM, routing, filtering and no filtering, and the fine-tuning recovery of SGTM vs RMU (null before the results script ran).' })
    .query(() => readResults() ?? null),
});
