/**
 * The procedure builders the app allows: public procedures, and job procedures that need the
 * shared API token when GRADLOC_API_TOKEN is set. Every error leaves through toTrpcError
 * (errors.ts), so responses carry clear messages and never a stack trace.
 */
import { timingSafeEqual } from 'node:crypto';
import { initTRPC, TRPCError } from '@trpc/server';
import type { Context } from './context.js';
import { toTrpcError } from './errors.js';

/** What the API index (/api/trpc, api-index.ts) says about a procedure. */
export interface ProcedureMeta {
  readonly description: string;
}

const t = initTRPC.context<Context>().meta<ProcedureMeta>().create({
  isDev: false,
  errorFormatter: ({ shape }) => {
    const { stack: _stack, ...data } = shape.data;
    return { ...shape, data };
  },
});

const errors = t.middleware(async ({ next }) => {
  const r = await next();
  if (!r.ok) throw toTrpcError(r.error);
  return r;
});

function sameToken(given: string | undefined, expected: string): boolean {
  if (given === undefined) return false;
  const a = Buffer.from(given);
  const b = Buffer.from(expected);
  return a.length === b.length && timingSafeEqual(a, b);
}

const token = t.middleware(({ ctx, next }) => {
  const expected = ctx.services.env.apiToken;
  if (expected !== undefined && !sameToken(ctx.token, expected)) {
    throw new TRPCError({ code: 'UNAUTHORIZED', message: 'this procedure creates a job: send the API token as `Authorization: Bearer <GRADLOC_API_TOKEN>`' });
  }
  return next();
});

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;
export const publicProcedure = t.procedure.use(errors);
export const jobProcedure = publicProcedure.use(token);
