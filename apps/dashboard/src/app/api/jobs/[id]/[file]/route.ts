/** GET /api/jobs/<id>/<file>: a job's file for download (a quantized model, a map as .npy). */
import { loadServer } from '../../../load-server';

export const runtime = 'nodejs';
export const dynamic = 'force-dynamic';

export async function GET(req: Request): Promise<Response> {
  return (await loadServer()).handleDownload(req);
}
