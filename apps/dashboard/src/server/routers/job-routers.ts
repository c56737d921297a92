/**
 * vps.explain, vps.diverse and quant.run: each validates its input, checks what can be checked before
 * queueing (the model exists and is of the right kind, the image decodes), and returns the
 * new job's id. The worker does the rest (jobs/runners).
 */
import type { Context } from '../context.js';
import { quantInput, vpsDiverseInput, vpsInput } from '../schemas.js';
import { DEFAULT_GROUNDER } from '../services/grounders.js';
import { decodeUpload } from '../services/uploads.js';
import { jobProcedure, router } from '../trpc.js';
import { jobView } from '../jobs/store.js';

/** What both VPS jobs check before queueing: a grounder, a query it can read, an image that decodes. */
async function checkVps(services: Context['services'], input: { model?: string; query: string; image: string }): Promise<void> {
  const { env, registry, grounders } = services;
  registry.get(input.model ?? DEFAULT_GROUNDER, 'grounder');
  // refused here, as grounding.detect refuses it, rather than as a failed job later
  await grounders.checkQuery(input.model, input.query);
  await decodeUpload(input.image, { maxBytes: env.maxUploadBytes, maxPixels: env.maxPixels });
}

export const vpsRouter = router({
  explain: jobProcedure
    .meta({ description: 'Starts a Visual Precision Search job for one detection of a grounder; returns the job (follow it with jobs.watch, read it with jobs.get).' })
    .input(vpsInput).mutation(async ({ ctx, input }) => {
    await checkVps(ctx.services, input);
    return jobView(await ctx.jobs.create('vps', input));
  }),
  diverse: jobProcedure
    .meta({ description: 'Starts a diverse-explanations job: k region sets that each keep the detection, sampled by a GFlowNet trained for the image within a budget of forward passes; returns the job.' })
    .input(vpsDiverseInput).mutation(async ({ ctx, input }) => {
    await checkVps(ctx.services, input);
    return jobView(await ctx.jobs.create('vps-diverse', input));
  }),
});

export const quantRouter = router({
  run: jobProcedure
    .meta({ description: 'Starts a quantization job (GWQ or a baseline) of a language model, scored by perplexity against FP32; returns the job.' })
    .input(quantInput).mutation(async ({ ctx, input }) => {
    ctx.services.registry.get(input.model, 'language-model');
    return jobView(await ctx.jobs.create('quant', input));
  }),
});
