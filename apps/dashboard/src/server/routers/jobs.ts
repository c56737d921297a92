import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { JOB_KINDS, JOB_STATUSES, isTerminal } from '../schemas.js';
import { jobView, type JobView } from '../jobs/store.js';
import { jobProcedure, publicProcedure, router } from '../trpc.js';
import type { Context } from '../context.js';

const id = z.object({ id: z.uuid('a job id is a UUID') });
const sleep = (ms: number, signal?: AbortSignal): Promise<void> =>
  new Promise((resolve) => {
    const t = setTimeout(resolve, ms);
    signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
  });

async function mustGet(ctx: Context, jobId: string) {
  const j = await ctx.jobs.get(jobId);
  if (!j) throw new TRPCError({ code: 'NOT_FOUND', message: `no job ${jobId}` });
  return j;
}

/** How often a subscription looks at the job's row (the worker writes it a few times a second). */
const WATCH_MS = 250;

export const jobsRouter = router({
  list: publicProcedure
    .meta({ description: 'Recent jobs, newest first; results only when asked (results: true).' })
    .input(
      z
        .object({
          kind: z.enum(JOB_KINDS).optional(),
          status: z.enum(JOB_STATUSES).optional(),
          limit: z.number().int().min(1).max(200).default(50),
          /** Include each job's result (history tables); off by default: VPS results carry images. */
          results: z.boolean().default(false),
        })
        .optional(),
    )
    .query(async ({ ctx, input }) => {
      const rows = await ctx.jobs.list({ kind: input?.kind, status: input?.status, limit: input?.limit ?? 50 });
      // never the inputs (uploads); jobs.get has everything about one job
      return rows.map((j) => ({ ...jobView(j), result: input?.results && j.result ? (JSON.parse(j.result) as unknown) : null }));
    }),
  /** One job with its input and result. */
  get: publicProcedure.meta({ description: 'One job with its input and result.' }).input(id).query(async ({ ctx, input }) => {
    const j = await mustGet(ctx, input.id);
    return { ...jobView(j), input: JSON.parse(j.input) as unknown, result: j.result ? (JSON.parse(j.result) as unknown) : null };
  }),
  cancel: jobProcedure.meta({ description: 'Asks a queued or running job to stop.' }).input(id).mutation(async ({ ctx, input }) => {
    const before = await mustGet(ctx, input.id);
    if (isTerminal(before.status)) throw new TRPCError({ code: 'CONFLICT', message: `job ${input.id} already ${before.status}` });
    return jobView((await ctx.jobs.cancel(input.id)) ?? before);
  }),
  /** Live progress (SSE): the job's state whenever it changes, ending when the job ends. */
  watch: publicProcedure.meta({ description: "Live progress (server-sent events): the job's state whenever it changes, until it ends." }).input(id).subscription(async function* ({ ctx, input, signal }) {
    let last = '';
    while (!signal?.aborted) {
      const view: JobView = jobView(await mustGet(ctx, input.id));
      const key = `${view.status}|${view.progress}|${view.stage}|${view.cancelRequested}`;
      if (key !== last) {
        last = key;
        yield view;
      }
      if (isTerminal(view.status)) return;
      await sleep(WATCH_MS, signal);
    }
  }),
});
