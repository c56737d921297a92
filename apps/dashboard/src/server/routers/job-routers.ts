/**
 * vps.explain, vps.diverse and quant.run: each validates its input, checks what can be checked before
 * queueing (the model exists and is of the right kind, the image decodes), and returns the
 * new job's id. The worker does the rest (jobs/runners).
 */
import { randomUUID } from 'node:crypto';
import type { Context } from '../context.js';
import { quantInput, vpsDiverseInput, vpsInput, type JobKind } from '../schemas.js';
import { DEFAULT_GROUNDER } from '../services/grounders.js';
import { jobProcedure, router } from '../trpc.js';
import { removeJobFiles } from '../jobs/files.js';
import { jobView } from '../jobs/store.js';
import { checkUpload, keepUpload } from '../jobs/uploads.js';

/**
 * What both VPS jobs check before queueing - a grounder, a query it can read, an image that
 * decodes - then the job, its upload kept in the blob store (the row holds the upload's URL).
 */
async function queueVps(ctx: Context, kind: JobKind, input: { model?: string; query: string; image: string }) {
  const { registry, grounders } = ctx.services;
  registry.get(input.model ?? DEFAULT_GROUNDER, 'grounder');
  // refused here, as grounding.detect refuses it, rather than as a failed job later
  await grounders.checkQuery(input.model, input.query);
  const upload = await checkUpload(ctx.services, input.image);
  const id = randomUUID();
  const image = await keepUpload(ctx.services, id, upload);
  try {
    return jobView(await ctx.jobs.create(kind, { ...input, image }, id));
  } catch (e) {
    await removeJobFiles(ctx.services.blobs, id); // no job, no file
    throw e;
  }
}

export const vpsRouter = router({
  explain: jobProcedure
    .meta({ description: 'Starts a Visual Precision Search job for one detection of a grounder; returns the job (follow it with jobs.watch, read it with jobs.get).' })
    .input(vpsInput).mutation(({ ctx, input }) => queueVps(ctx, 'vps', input)),
  diverse: jobProcedure
    .meta({ description: 'Starts a diverse-explanations job: k region sets that each keep the detection, sampled by a GFlowNet trained for the image within a budget of forward passes; returns the job.' })
    .input(vpsDiverseInput).mutation(({ ctx, input }) => queueVps(ctx, 'vps-diverse', input)),
});

export const quantRouter = router({
  run: jobProcedure
    .meta({ description: 'Starts a quantization job (GWQ or a baseline) of a language model, scored by perplexity against FP32; returns the job.' })
    .input(quantInput).mutation(async ({ ctx, input }) => {
    ctx.services.registry.get(input.model, 'language-model');
    return jobView(await ctx.jobs.create('quant', input));
  }),
});
