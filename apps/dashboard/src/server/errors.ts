/**
 * How errors reach clients: package errors (GradlocError, stable codes) become tRPC codes with
 * their message; input validation becomes BAD_REQUEST naming the field; anything else is an
 * INTERNAL_SERVER_ERROR with a generic message (the details go to the server log). Responses
 * never carry stack traces.
 */
import { TRPCError } from '@trpc/server';
import { GradlocError, type ErrorCode } from '@gradloc/tensor-backend';
import { ZodError } from 'zod';

type TrpcCode = TRPCError['code'];

const CODES: Record<ErrorCode, TrpcCode> = {
  BAD_INPUT: 'BAD_REQUEST',
  BAD_MODEL: 'UNPROCESSABLE_CONTENT',
  UNSUPPORTED_OP: 'UNPROCESSABLE_CONTENT',
  SHAPE_MISMATCH: 'BAD_REQUEST',
  DTYPE_MISMATCH: 'BAD_REQUEST',
  UNKNOWN_TENSOR: 'BAD_REQUEST',
  MODEL_NOT_FOUND: 'NOT_FOUND',
  FILE_NOT_FOUND: 'NOT_FOUND',
  RUNTIME_ERROR: 'INTERNAL_SERVER_ERROR',
};

export const badRequest = (message: string): TRPCError => new TRPCError({ code: 'BAD_REQUEST', message });

export function zodMessage(e: ZodError): string {
  return e.issues.map((i) => (i.path.length ? `${i.path.join('.')}: ${i.message}` : i.message)).join('; ');
}

/** The client-facing message of any error (jobs store the same text as their error). */
export function publicMessage(e: unknown): string {
  if (e instanceof GradlocError) return e.message;
  if (e instanceof TRPCError && e.code !== 'INTERNAL_SERVER_ERROR') return e.message;
  if (e instanceof ZodError) return zodMessage(e);
  return 'internal error (details are in the server log)';
}

/** A thrown value as the TRPCError the client sees. */
export function toTrpcError(e: unknown): TRPCError {
  if (e instanceof TRPCError) {
    if (e.cause instanceof GradlocError || e.cause instanceof ZodError) return toTrpcError(e.cause);
    // the cause stays for the server log (http.ts onError); clients never see it
    return e.code === 'INTERNAL_SERVER_ERROR' ? new TRPCError({ code: e.code, message: publicMessage(e), cause: e.cause ?? e }) : e;
  }
  if (e instanceof GradlocError) return new TRPCError({ code: CODES[e.code], message: e.message });
  if (e instanceof ZodError) return new TRPCError({ code: 'BAD_REQUEST', message: zodMessage(e) });
  return new TRPCError({ code: 'INTERNAL_SERVER_ERROR', message: publicMessage(e), cause: e });
}
