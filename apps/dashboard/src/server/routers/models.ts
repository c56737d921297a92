import { z } from 'zod';
import { MODEL_KINDS } from '@gradloc/models';
import { modelName } from '../schemas.js';
import { publicProcedure, router } from '../trpc.js';

const kind = z.enum(MODEL_KINDS);

export const modelsRouter = router({
  list: publicProcedure.input(z.object({ kind: kind.optional() }).optional()).query(({ ctx, input }) => {
    const { registry } = ctx.services;
    return registry.list(input?.kind).map((e) => registry.summary(e));
  }),
  /** One model's summary and its whole card (zoo models; Hugging Face folders have none). */
  get: publicProcedure.input(z.object({ name: modelName })).query(({ ctx, input }) => {
    const { registry } = ctx.services;
    const e = registry.get(input.name);
    return { ...registry.summary(e), card: e.card ?? null };
  }),
});
