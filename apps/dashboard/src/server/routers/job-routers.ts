/**
 * vps.explain and quant.run: each validates its input, checks what can be checked before
 * queueing (the model exists and is of the right kind, the image decodes), and returns the
 * new job's id. The worker does the rest (jobs/runners).
 */
import { quantInput, vpsInput } from '../schemas.js';
import { DEFAULT_GROUNDER } from '../services/grounders.js';
import { decodeUpload } from '../services/uploads.js';
import { jobProcedure, router } from '../trpc.js';
import { jobView } from '../jobs/store.js';

export const vpsRouter = router({
  explain: jobProcedure
    .meta({ description: 'Starts a Visual Precision Search job for one detection of a grounder; returns the job (follow it with jobs.watch, read it with jobs.get).' })
    .input(vpsInput).mutation(async ({ ctx, input }) => {
    const { env, registry, grounders } = ctx.services;
    registry.get(input.model ?? DEFAULT_GROUNDER, 'grounder');
    // refused here, as grounding.detect refuses it, rather than as a failed job later
    await grounders.checkQuery(input.model, input.query);
    await decodeUpload(input.image, { maxBytes: env.maxUploadBytes, maxPixels: env.maxPixels });
    return jobView(await ctx.jobs.create('vps', input));
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
