/** /api/trpc/<procedure>: hands the request to the server's tRPC handler (src/server/http.ts). */
import { loadServer } from '../../load-server';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

async function handler(req: Request): Promise<Response> {
  return (await loadServer()).handleTrpc(req);
}

export { handler as GET, handler as POST };
