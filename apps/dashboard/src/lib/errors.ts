import { TRPCClientError } from '@trpc/client';

/** The text to show for a failed call: the server's message is written for users, so pass it through. */
export function errorMessage(e: unknown): string {
  if (e instanceof Error) return e.message || e.name;
  return String(e);
}

/** Whether the server refused a job procedure for a missing or wrong API token. */
export function isUnauthorized(e: unknown): boolean {
  if (!(e instanceof TRPCClientError)) return false;
  const data: unknown = e.data;
  return typeof data === 'object' && data !== null && 'code' in data && data.code === 'UNAUTHORIZED';
}
