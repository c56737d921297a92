/**
 * The HTTP side of /api/trpc as one function of a fetch Request, so the Next.js route stays a
 * two-line shim and everything server-side (tRPC included) runs from this package's dist/ in
 * plain Node, with one copy of each dependency.
 */
import { fetchRequestHandler } from '@trpc/server/adapters/fetch';
import { createContext } from './context.js';
import { appRouter } from './router.js';
import { serverState } from './state.js';
import { downloadResponse } from './jobs/files.js';
import { mib } from './services/uploads.js';

export const TRPC_ENDPOINT = '/api/trpc';

function tooLarge(length: number, maxUploadBytes: number): Response {
  const message = `the request is ${mib(length, 1)}; uploads are limited to ${mib(maxUploadBytes, 1)}`;
  return Response.json({ error: { message, code: -32600, data: { code: 'PAYLOAD_TOO_LARGE', httpStatus: 413 } } }, { status: 413 });
}

export async function handleTrpc(req: Request): Promise<Response> {
  const { db, services } = await serverState();
  // refuse oversized bodies before reading them (base64 is 4/3 of the file, plus the JSON around it)
  const length = Number(req.headers.get('content-length') ?? 0);
  if (length > Math.ceil((services.env.maxUploadBytes * 4) / 3) + 64 * 1024) return tooLarge(length, services.env.maxUploadBytes);
  return fetchRequestHandler({
    endpoint: TRPC_ENDPOINT,
    req,
    router: appRouter,
    createContext: () => createContext(db, services, req.headers),
    onError: ({ error, path }) => {
      if (error.code === 'INTERNAL_SERVER_ERROR') console.error(`trpc ${path ?? '?'}:`, error.cause ?? error);
    },
  });
}

/** GET /api/jobs/<id>/<file>: a file a job kept for download (jobs/files.ts). */
export async function handleDownload(req: Request): Promise<Response> {
  const { services } = await serverState();
  return downloadResponse(services.blobs, new URL(req.url).pathname);
}
