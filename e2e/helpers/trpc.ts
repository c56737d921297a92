/** Plain HTTP calls of the dashboard's procedures (what any client in any language sends). */
export async function query<T>(url: string, path: string, input?: unknown): Promise<T> {
  const q = input === undefined ? '' : `?input=${encodeURIComponent(JSON.stringify(input))}`;
  return unwrap<T>(await fetch(`${url}/api/trpc/${path}${q}`));
}

export async function mutate<T>(url: string, path: string, input: unknown, headers: Record<string, string> = {}): Promise<T> {
  return unwrap<T>(await fetch(`${url}/api/trpc/${path}`, { method: 'POST', body: JSON.stringify(input), headers: { 'content-type': 'application/json', ...headers } }));
}

async function unwrap<T>(r: Response): Promise<T> {
  const body = (await r.json()) as { result?: { data: T }; error?: { message: string } };
  if (!r.ok || !body.result) throw new Error(`HTTP ${r.status}: ${body.error?.message ?? JSON.stringify(body)}`);
  return body.result.data;
}

export interface Job {
  readonly id: string;
  readonly status: string;
  readonly progress: number;
  readonly stage: string;
  readonly attempts: number;
  readonly error: string | null;
  readonly result: unknown;
}

export async function waitFor<T>(f: () => Promise<T>, ok: (v: T) => boolean, ms = 240_000, every = 200): Promise<T> {
  const t0 = Date.now();
  for (;;) {
    const v = await f();
    if (ok(v)) return v;
    if (Date.now() - t0 > ms) throw new Error(`timed out after ${ms} ms; last: ${JSON.stringify(v).slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, every));
  }
}
