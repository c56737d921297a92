import { explainRouter } from './routers/explain.js';
import { groundingRouter } from './routers/grounding.js';
import { quantRouter, vpsRouter } from './routers/job-routers.js';
import { jobsRouter } from './routers/jobs.js';
import { localizeRouter } from './routers/localize.js';
import { modelsRouter } from './routers/models.js';
import { sgtmRouter } from './routers/sgtm.js';
import { createCallerFactory, router } from './trpc.js';

export const appRouter = router({
  models: modelsRouter,
  grounding: groundingRouter,
  explain: explainRouter,
  vps: vpsRouter,
  quant: quantRouter,
  sgtm: sgtmRouter,
  localize: localizeRouter,
  jobs: jobsRouter,
});

export type AppRouter = typeof appRouter;
export const createCaller = createCallerFactory(appRouter);
