import { z } from 'zod';
import { MODEL_KINDS } from '@gradloc/models';
import { modelName } from '../schemas.js';
import { publicProcedure, router } from '../trpc.js';

const kind = z.enum(MODEL_KINDS);

export const modelsRouter = router({
  list: publicProcedure
    .meta({ description: 'The registered models (zoo models and configured Hugging Face folders) with their kind, size and card metrics; filter by kind.' })
    .input(z.object({ kind: kind.optional() }).optional()).query(({ ctx, input }) => {
    const { registry } = ctx.services;
    return registry.list(input?.kind).map((e) => registry.summary(e));
  }),
  /** One model's summary and its whole card (zoo models; Hugging Face folders have none). */
  get: publicProcedure
    .meta({ description: "One model's summary and its whole card (zoo models; Hugging Face folders have none)." })
    .input(z.object({ name: modelName })).query(({ ctx, input }) => {
    const { registry } = ctx.services;
    const e = registry.get(input.name);
    return { ...registry.summary(e), card: e.card ?? null };
  }),
});
