import { TRPCError } from '@trpc/server';
import { z } from 'zod';
import { JOB_KINDS, JOB_STATUSES, isTerminal } from '../schemas.js';
import { jobView, type JobView } from '../jobs/store.js';
import { jobProcedure, publicProcedure, router } from '../trpc.js';
import type { Context } from '../context.js';

const id = z.object({ id: z.uuid('a job id is a UUID') });

async function mustGet(ctx: Context, jobId: string) {
  const j = await ctx.jobs.get(jobId);
  if (!j) throw new TRPCError({ code: 'NOT_FOUND', message: `no job ${jobId}` });
  return j;
}

/**
 * The longest a subscription waits before looking at its job's row again. It is woken sooner
 * by the queue: at once by Postgres NOTIFY (graphile-worker), every 250 ms on SQLite; this
 * bound only matters if a notification is lost while the listening connection reconnects.
 */
const WATCH_MS = 5_000;

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
    // subscribed before the first read: a change between the read and the wait still wakes it
    const changes = await ctx.jobs.subscribe(input.id);
    try {
      let last = '';
      while (!signal?.aborted) {
        const view: JobView = jobView(await mustGet(ctx, input.id));
        const key = `${view.status}|${view.progress}|${view.stage}|${view.cancelRequested}`;
        if (key !== last) {
          last = key;
          yield view;
        }
        if (isTerminal(view.status)) return;
        await changes.wait(WATCH_MS, signal);
      }
    } finally {
      changes.close();
    }
  }),
});
