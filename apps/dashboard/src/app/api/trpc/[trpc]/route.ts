/**
 * /api/trpc: hands the request to the tsc-built server (src/server/http.ts). The import is
 * left to Node at run time (not bundled): the server loads native modules (onnxruntime,
 * sharp, better-sqlite3) and finds the shipped models relative to its own files.
 */
type Server = typeof import('@gradloc/dashboard/server');

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

let server: Promise<Server> | undefined;
const load = (): Promise<Server> => (server ??= import(/* webpackIgnore: true */ /* turbopackIgnore: true */ '@gradloc/dashboard/server') as Promise<Server>);

async function handler(req: Request): Promise<Response> {
  return (await load()).handleTrpc(req);
}

export { handler as GET, handler as POST };
