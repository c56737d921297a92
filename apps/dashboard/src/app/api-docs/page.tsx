'use client';
/**
 * The API page: how to call the server from a shell or from TypeScript, and every procedure
 * as the server itself lists it (GET /api/trpc, src/server/api-index.ts).
 */
import { useQuery } from '@tanstack/react-query';
import { ErrorAlert } from '../../lib/components/ErrorAlert';

interface ProcedureInfo {
  readonly path: string;
  readonly http: string;
  readonly description: string;
  readonly input: unknown;
}

const CURL = `# a query: GET, the input as URL-encoded JSON
curl -s 'http://127.0.0.1:3000/api/trpc/models.list?input=%7B%22kind%22%3A%22grounder%22%7D'

# a mutation: POST a JSON body (images as base64 or data: URLs of PNG/JPEG files)
curl -s http://127.0.0.1:3000/api/trpc/grounding.detect \\
  -H 'content-type: application/json' \\
  -d "{\\"image\\":\\"$(base64 -w0 scene.png)\\",\\"queries\\":[\\"a red circle\\"]}"

# a job: start it, then follow it (server-sent events) or poll it
curl -s http://127.0.0.1:3000/api/trpc/vps.explain -H 'content-type: application/json' \\
  -H "authorization: Bearer $GRADLOC_API_TOKEN" \\
  -d "{\\"image\\":\\"$(base64 -w0 scene.png)\\",\\"query\\":\\"a red circle\\"}"
curl -sN 'http://127.0.0.1:3000/api/trpc/jobs.watch?input=%7B%22id%22%3A%22<job id>%22%7D'`;

const CLIENT = `import { createTRPCClient, httpLink } from '@trpc/client';
import type { AppRouter } from '@gradloc/dashboard/server';

const api = createTRPCClient<AppRouter>({ links: [httpLink({ url: 'http://127.0.0.1:3000/api/trpc' })] });

const models = await api.models.list.query({ kind: 'grounder' });
const { detections } = await api.grounding.detect.mutate({ image, queries: ['a red circle'] });
// every input and result is typed from the server's routers`;

export default function ApiPage() {
  const index = useQuery({
    queryKey: ['api-index'],
    queryFn: async () => {
      const r = await fetch('/api/trpc', { headers: { accept: 'application/json' } });
      if (!r.ok) throw new Error(`GET /api/trpc answered ${r.status}`);
      return ((await r.json()) as { procedures: ProcedureInfo[] }).procedures;
    },
  });
  return (
    <>
      <h1>API</h1>
      <p className="lead">
        Every page of this dashboard is a client of one typed API: tRPC over HTTP at <code>/api/trpc</code>. Queries are GET requests with the
        input as <code>?input=</code> URL-encoded JSON, mutations POST a JSON body, answers come as <code>{'{"result":{"data":…}}'}</code> and
        errors as <code>{'{"error":{"message",…}}'}</code>. Procedures that start jobs need <code>Authorization: Bearer …</code> when the server
        sets <code>GRADLOC_API_TOKEN</code>. <a href="/api/trpc">/api/trpc</a> lists the procedures for scripts (JSON) and browsers.
      </p>
      <div className="card">
        <h2>From a shell</h2>
        <pre className="code-block">{CURL}</pre>
      </div>
      <div className="card">
        <h2>From TypeScript</h2>
        <pre className="code-block">{CLIENT}</pre>
      </div>
      <div className="card">
        <h2>Procedures</h2>
        <ErrorAlert message={index.error ? String(index.error.message) : null} />
        {index.isPending && <p className="muted">Loading…</p>}
        <table className="table api-table">
          <thead>
            <tr>
              <th>procedure</th>
              <th>HTTP</th>
              <th>what it does</th>
              <th>input</th>
            </tr>
          </thead>
          <tbody>
            {index.data?.map((p) => (
              <tr key={p.path}>
                <td>
                  <code>{p.path}</code>
                </td>
                <td className="nowrap">{p.http}</td>
                <td>{p.description}</td>
                <td>
                  {p.input === null ? (
                    <span className="muted">none</span>
                  ) : (
                    <details>
                      <summary>JSON Schema</summary>
                      <pre className="code-block">{JSON.stringify(p.input, null, 2)}</pre>
                    </details>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </>
  );
}
