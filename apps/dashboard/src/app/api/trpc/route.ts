/** GET /api/trpc (no procedure): the API index, HTML for browsers, JSON otherwise (src/server/api-index.ts). */
import { loadServer } from '../load-server';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function GET(req: Request): Promise<Response> {
  return (await loadServer()).handleApiIndex(req);
}
