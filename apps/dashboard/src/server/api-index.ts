/**
 * GET /api/trpc (no procedure): what a person or a script finds at the API's root. Read off
 * the router itself, so it cannot drift: every procedure's path, kind, HTTP method, its
 * description (the procedure's meta) and its input as JSON Schema (from its zod schema).
 * Browsers get a short HTML page, everything else JSON.
 */
import { z } from 'zod';
import { appRouter } from './router.js';
import { TRPC_ENDPOINT } from './http.js';

export interface ProcedureInfo {
  readonly path: string;
  readonly type: 'query' | 'mutation' | 'subscription';
  /** GET for queries (input as ?input=<JSON>), POST for mutations (JSON body), GET as server-sent events for subscriptions. */
  readonly http: 'GET' | 'POST' | 'GET (text/event-stream)';
  readonly description: string;
  /** JSON Schema of the input; null when the procedure takes none. */
  readonly input: unknown;
}

interface ProcedureDef {
  readonly _def: { readonly type: ProcedureInfo['type']; readonly meta?: { readonly description?: string }; readonly inputs: readonly unknown[] };
}

const HTTP: Record<ProcedureInfo['type'], ProcedureInfo['http']> = { query: 'GET', mutation: 'POST', subscription: 'GET (text/event-stream)' };

/** Every procedure of the router, in declaration order. */
export function describeApi(): ProcedureInfo[] {
  const procedures = (appRouter._def as unknown as { procedures: Record<string, ProcedureDef> }).procedures;
  return Object.entries(procedures).map(([path, p]) => {
    const schema = p._def.inputs[0];
    return {
      path,
      type: p._def.type,
      http: HTTP[p._def.type],
      description: p._def.meta?.description ?? '',
      input: schema instanceof z.ZodType ? z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) : null,
    };
  });
}

const escape = (s: string): string => s.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);

function html(procedures: readonly ProcedureInfo[]): string {
  const rows = procedures
    .map((p) => `<tr><td><code>${escape(p.path)}</code></td><td>${p.http}</td><td>${escape(p.description)}</td></tr>`)
    .join('\n');
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>gradloc API</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:960px;margin:2rem auto;padding:0 1rem}td,th{padding:.3rem .6rem;vertical-align:top;text-align:left}tr:nth-child(even){background:#f4f4f6}code,pre{font-size:13px}pre{background:#f4f4f6;padding:.6rem;overflow:auto}</style>
</head><body>
<h1>gradloc API</h1>
<p>tRPC over HTTP at <code>${TRPC_ENDPOINT}/&lt;procedure&gt;</code>. Queries are GET requests with the input as
<code>?input=&lt;URL-encoded JSON&gt;</code>, mutations POST a JSON body; answers are <code>{"result":{"data":...}}</code>,
errors <code>{"error":{"message","data":{"code","httpStatus"}}}</code>. Examples and the typed client:
<a href="/api-docs">the API page</a>. This index as JSON: <code>curl ${TRPC_ENDPOINT}</code>.</p>
<pre>curl -s '${TRPC_ENDPOINT}/models.list'</pre>
<table><thead><tr><th>procedure</th><th>HTTP</th><th>what it does</th></tr></thead><tbody>
${rows}
</tbody></table>
</body></html>`;
}

export function handleApiIndex(req: Request): Response {
  const procedures = describeApi();
  if ((req.headers.get('accept') ?? '').includes('text/html')) return new Response(html(procedures), { headers: { 'content-type': 'text/html; charset=utf-8' } });
  return Response.json({ endpoint: TRPC_ENDPOINT, docs: '/api-docs', procedures });
}
