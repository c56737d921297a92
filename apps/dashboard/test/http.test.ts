/**
 * The HTTP handler the Next.js route delegates to (src/server/http.ts), called with real fetch
 * Requests: what a client sees on the wire, including errors and the SSE subscription.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { migrate } from './helpers/setup.js';
import { dataUrl, solidImage } from './helpers/images.js';

const dir = mkdtempSync(join(tmpdir(), 'gradloc-http-'));
let handle: (req: Request) => Promise<Response>;
let index: (req: Request) => Response;

beforeAll(async () => {
  // serverState() reads the process environment once, like the real server
  process.env.GRADLOC_DATA_DIR = dir;
  process.env.GRADLOC_MAX_UPLOAD_BYTES = String(256 * 1024);
  process.env.GRADLOC_API_TOKEN = 'a shared secret';
  process.env.GRADLOC_THREADS = '1';
  await migrate(`file:${join(dir, 'gradloc.db')}`);
  ({ handleTrpc: handle, handleApiIndex: index } = await import('../src/server/index.js'));
});
afterAll(async () => {
  const { disconnectDb, serverState } = await import('../src/server/index.js');
  const s = await serverState();
  await s.services.release();
  await disconnectDb(s.db);
  rmSync(dir, { recursive: true, force: true });
});

const post = (path: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> =>
  handle(new Request(`http://127.0.0.1/api/trpc/${path}`, { method: 'POST', body: JSON.stringify(body), headers: { 'content-type': 'application/json', ...headers } }));

describe('/api/trpc over HTTP', () => {
  it('answers queries with JSON', async () => {
    const r = await handle(new Request('http://127.0.0.1/api/trpc/models.list'));
    expect(r.status).toBe(200);
    const body = (await r.json()) as { result: { data: { name: string }[] } };
    expect(body.result.data.map((m) => m.name)).toContain('shapes-grounder-gwq4');
  });

  it('returns clear errors with HTTP codes and never a stack trace', async () => {
    const cases: [Response, number, string][] = [
      [await post('grounding.detect', { image: dataUrl(Buffer.from('%PDF-1.4 not an image')), queries: ['a red circle'] }), 400, 'the upload is not an image (expected a PNG or JPEG file)'],
      [await post('grounding.detect', { image: dataUrl(await solidImage(8, 8, 'png')), queries: ['a red circle'], model: 'nope' }), 404, "no model 'nope' among the grounders; registered: shapes-grounder, shapes-grounder-gwq4"],
      [await post('grounding.detect', { queries: ['x'] }), 400, 'image: Invalid input: expected string, received undefined'],
      [await post('quant.run', {}), 401, 'this procedure creates a job: send the API token as `Authorization: Bearer <GRADLOC_API_TOKEN>`'],
    ];
    for (const [r, status, message] of cases) {
      const text = await r.text();
      expect(r.status).toBe(status);
      expect((JSON.parse(text) as { error: { message: string } }).error.message).toBe(message);
      expect(text).not.toMatch(/stack|\.ts:|\.js:|node_modules|\/work\//);
    }
  });

  it('refuses an oversized body from its Content-Length before reading it', async () => {
    const r = await handle(new Request('http://127.0.0.1/api/trpc/grounding.detect', { method: 'POST', body: 'x', headers: { 'content-length': String(10 * 1024 * 1024) } }));
    expect(r.status).toBe(413);
    expect(((await r.json()) as { error: { message: string } }).error.message).toBe('the request is 10.0 MiB; uploads are limited to 0.3 MiB');
  });

  it('queues a job with the token and streams its state as server-sent events', async () => {
    const created = await post('quant.run', { method: 'rtn' }, { authorization: 'Bearer a shared secret' });
    expect(created.status).toBe(200);
    const job = ((await created.json()) as { result: { data: { id: string } } }).result.data;
    const cancel = await post('jobs.cancel', { id: job.id }, { authorization: 'Bearer a shared secret' });
    expect(cancel.status).toBe(200);
    const r = await handle(new Request(`http://127.0.0.1/api/trpc/jobs.watch?input=${encodeURIComponent(JSON.stringify({ id: job.id }))}`, { headers: { accept: 'text/event-stream' } }));
    expect(r.headers.get('content-type')).toMatch(/^text\/event-stream/);
    const text = await r.text(); // the stream ends with the job (already cancelled)
    expect(text).toMatch(/"status":"cancelled"/);
  });

  it('answers an unexpected failure with a generic 500 and logs the cause on the server', async () => {
    const { serverState } = await import('../src/server/index.js');
    const { db } = await serverState();
    await db.$executeRawUnsafe('ALTER TABLE "Job" RENAME TO "JobGone"'); // the database breaks under the server
    const logged: unknown[] = [];
    const spy = vi.spyOn(console, 'error').mockImplementation((...args: unknown[]) => void logged.push(...args));
    try {
      const r = await handle(new Request('http://127.0.0.1/api/trpc/jobs.list'));
      const text = await r.text();
      expect(r.status).toBe(500);
      expect((JSON.parse(text) as { error: { message: string } }).error.message).toBe('internal error (details are in the server log)');
      expect(text).not.toMatch(/no such table|"Job"|sqlite|prisma|stack|\.ts:/i);
      expect(logged.some((a) => a instanceof Error && /Job/.test(a.message))).toBe(true);
    } finally {
      spy.mockRestore();
      await db.$executeRawUnsafe('ALTER TABLE "JobGone" RENAME TO "Job"');
    }
  });
});

describe('/api/trpc itself (no procedure)', () => {
  it('lists every procedure as JSON with its HTTP method, description and input schema', async () => {
    const r = index(new Request('http://127.0.0.1/api/trpc'));
    expect(r.headers.get('content-type')).toMatch(/application\/json/);
    const body = (await r.json()) as { docs: string; procedures: { path: string; http: string; description: string; input: { properties?: Record<string, unknown>; required?: string[] } | null }[] };
    expect(body.docs).toBe('/api-docs');
    const byPath = new Map(body.procedures.map((p) => [p.path, p]));
    // every procedure a client can call over HTTP is listed, with a description
    const { appRouter } = await import('../src/server/index.js');
    expect([...byPath.keys()].sort()).toEqual(Object.keys(appRouter._def.procedures).sort());
    for (const p of body.procedures) expect(p.description.length, p.path).toBeGreaterThan(20);
    const detect = byPath.get('grounding.detect')!;
    expect(detect.http).toBe('POST');
    expect(detect.input?.required).toEqual(expect.arrayContaining(['image', 'queries']));
    expect(Object.keys(detect.input?.properties ?? {})).toEqual(expect.arrayContaining(['image', 'queries', 'model', 'threshold']));
    expect(byPath.get('models.list')!.http).toBe('GET');
    expect(byPath.get('explain.methods')!.input).toBeNull();
    expect(byPath.get('jobs.watch')!.http).toBe('GET (text/event-stream)');
  });

  it('answers a browser with a short HTML page that links the API page', async () => {
    const r = index(new Request('http://127.0.0.1/api/trpc', { headers: { accept: 'text/html,application/xhtml+xml' } }));
    expect(r.headers.get('content-type')).toBe('text/html; charset=utf-8');
    const page = await r.text();
    expect(page).toContain('<a href="/api-docs">');
    expect(page).toContain('<code>grounding.detect</code>');
  });
});

