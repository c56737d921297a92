#!/usr/bin/env node
/**
 * `npm run load -w @gradloc/dashboard`: a bounded loopback load test of grounding.detect.
 * Starts the real app (scripts/start.mjs: web server + worker, fresh SQLite data folder) on a
 * free port, unless --url http://127.0.0.1:PORT names a running one (loopback only), then:
 *   1. concurrency 1, then 8: p50 / p99 / max latency, throughput, errors
 *   2. concurrency 1 again while a GWQ + GPTQ quantization job runs in the worker, plus the
 *      latency of models.list meanwhile: the server stays responsive
 * Options: --requests N (per phase, default 200), --url URL.
 */
import { rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { parseArgs } from 'node:util';
import sharp from 'sharp';
import { generateScene, generateSplitBatch, toRGB8 } from '@gradloc/models';
import { launchDashboard } from './launch.mjs';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '200' }, url: { type: 'string' } } });
const REQUESTS = Math.min(5000, Math.max(10, Number(values.requests)));

async function startApp() {
  const app = await launchDashboard({ echo: (t) => t.startsWith('worker:') || process.stderr.write(t) });
  return { url: app.url, stop: () => app.stop().then(() => rmSync(dirname(app.dataDir), { recursive: true, force: true })) };
}

const app = values.url ? { url: values.url.replace(/\/$/, ''), stop: async () => {} } : await startApp();
if (!/^http:\/\/(127\.0\.0\.1|localhost|\[::1\])(:\d+)?$/.test(app.url)) throw new Error('--url must be a loopback address');

// the request: a held-out shapes scene (PNG) and three queries
const scene = generateScene(generateSplitBatch('test', 0, 1).scenes[0].seed);
const png = await sharp(Buffer.from(toRGB8(scene)), { raw: { width: 96, height: 96, channels: 3 } }).png().toBuffer();
const body = JSON.stringify({ image: `data:image/png;base64,${png.toString('base64')}`, queries: ['a red ring', 'a blue star', 'a green square'] });

async function timed(path, init) {
  const t0 = performance.now();
  try {
    const r = await fetch(`${app.url}/api/trpc/${path}`, { ...init, signal: AbortSignal.timeout(30_000) });
    await r.arrayBuffer();
    return { ms: performance.now() - t0, ok: r.ok };
  } catch {
    return { ms: performance.now() - t0, ok: false };
  }
}
const detect = () => timed('grounding.detect', { method: 'POST', body, headers: { 'content-type': 'application/json' } });

async function phase(concurrency, n, extra) {
  const results = [];
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < n) {
        next++;
        results.push(await detect());
        if (extra) await extra();
      }
    }),
  );
  const wall = performance.now() - t0;
  const ms = results.map((r) => r.ms).sort((a, b) => a - b);
  const q = (p) => ms[Math.min(ms.length - 1, Math.floor(p * ms.length))];
  return { concurrency, requests: n, errors: results.filter((r) => !r.ok).length, p50: q(0.5), p99: q(0.99), max: ms.at(-1), rps: (n / wall) * 1000 };
}

const fmt = (r) => `c=${r.concurrency}  n=${r.requests}  p50 ${r.p50.toFixed(1)} ms  p99 ${r.p99.toFixed(1)} ms  max ${r.max.toFixed(1)} ms  ${r.rps.toFixed(1)} req/s  errors ${r.errors}`;

try {
  for (let i = 0; i < 10; i++) await detect(); // warm-up: model load, JIT
  console.log(`grounding.detect (96x96 PNG, 3 queries, default GWQ 4-bit grounder) at ${app.url}`);
  const c1 = await phase(1, REQUESTS);
  console.log(fmt(c1));
  const c8 = await phase(8, REQUESTS);
  console.log(fmt(c8));

  const job = await (await fetch(`${app.url}/api/trpc/quant.run`, { method: 'POST', body: JSON.stringify({ method: 'gwq', bits: 3, gptq: true, calibSamples: 16, evalWindows: 1000 }), headers: { 'content-type': 'application/json', ...(process.env.GRADLOC_API_TOKEN ? { authorization: `Bearer ${process.env.GRADLOC_API_TOKEN}` } : {}) } })).json();
  const id = job.result?.data?.id;
  if (!id) throw new Error(`quant.run failed: ${JSON.stringify(job)}`);
  const state = async () => (await (await fetch(`${app.url}/api/trpc/jobs.get?input=${encodeURIComponent(JSON.stringify({ id }))}`)).json()).result.data;
  while ((await state()).status === 'queued') await new Promise((r) => setTimeout(r, 100));
  const lists = [];
  const during = await phase(1, REQUESTS, async () => lists.push((await timed('models.list')).ms));
  const s = await state();
  lists.sort((a, b) => a - b);
  console.log(`${fmt(during)}  (while a quantization job runs: ${s.status}, ${Math.round(s.progress * 100)}% "${s.stage}")`);
  console.log(`models.list meanwhile: p50 ${lists[Math.floor(lists.length / 2)].toFixed(1)} ms, max ${lists.at(-1).toFixed(1)} ms`);
  console.log(`during / idle p50: ${(during.p50 / c1.p50).toFixed(2)}x`);
  await fetch(`${app.url}/api/trpc/jobs.cancel`, { method: 'POST', body: JSON.stringify({ id }), headers: { 'content-type': 'application/json' } });
  if (c1.errors + c8.errors + during.errors > 0) process.exitCode = 1;
} finally {
  await app.stop();
}
