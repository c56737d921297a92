#!/usr/bin/env node
/**
 * `npm run fuzz -w @gradloc/dashboard [-- --uploads N --models N --write]`: broken inputs
 * through every entry point that takes them, loopback only, bounded.
 *   1. uploads (scripts/fuzz-inputs.mjs: truncated and corrupted PNG/JPEG, other file types,
 *      decompression bombs, impossible sizes) over HTTP to every procedure that takes an
 *      image, round robin, on the real app (scripts/launch.mjs: web server + worker);
 *   2. ONNX models (truncated, corrupted, structurally wrong) through the CLI commands that
 *      read a model file (`gradloc grad`, `gradloc quantize`), each in its own process.
 * Every answer is classified: accepted; refused with a clear message (one line, at most 600
 * characters, a 4xx / the CLI's exit code 1 with its one `gradloc: CODE: message` line, not
 * an internal error); unclear (anything else: 5xx,
 * internal errors, stack traces); hang (no answer within the time limit); crash (the server
 * stops answering its health check, or the process dies of a signal). Prints the counts per
 * kind and the unclear, hung and crashed cases; --write puts the table into the README.
 * Exit code 1 when anything was unclear, hung or crashed.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { parseArgs } from 'node:util';
import { encodeNpy, tensor } from '@gradloc/tensor-backend';
import { baseImages, fuzzModel, fuzzUpload, MODEL_KINDS, UPLOAD_KINDS } from './fuzz-inputs.mjs';
import { launchDashboard } from './launch.mjs';
import { writeSection } from './readme-section.mjs';

const { values } = parseArgs({ options: { uploads: { type: 'string', default: '1000' }, models: { type: 'string', default: '200' }, write: { type: 'boolean', default: false } } });
const UPLOADS = Math.max(0, Math.min(10_000, Number(values.uploads)));
const MODELS = Math.max(0, Math.min(2_000, Number(values.models)));
const HTTP_LIMIT_MS = 60_000;
const CLI_LIMIT_MS = 120_000;
const CLI = join(import.meta.dirname, '..', '..', '..', 'packages', 'cli', 'dist', 'bin.js');
const README = join(import.meta.dirname, '..', 'README.md');

/** A clear refusal: one line, no stack, not an internal error (600 characters: onnxruntime's reasons run long). */
const clear = (message) => typeof message === 'string' && message.length > 0 && message.length <= 600 && !message.includes('\n') && !/\bat .+:\d+:\d+/.test(message) && !/internal/i.test(message);

const ENDPOINTS = [
  ['grounding.detect', (image) => ({ image, queries: ['a red ring'] })],
  ['explain.cam', (image) => ({ image, method: 'gradcam' })],
  ['explain.compare', (image) => ({ image, methods: ['gradcam', 'layercam'] })],
  ['explain.text', (image) => ({ image, text: 'a red ring' })],
  ['localize.pose', (image) => ({ image })],
  ['vps.explain', (image) => ({ image, query: 'a red ring', regions: 4 })],
];

function tally() {
  return { total: 0, accepted: 0, refused: 0, unclear: 0, hang: 0, crash: 0, examples: [] };
}
function count(t, outcome, detail) {
  t.total++;
  t[outcome]++;
  if (!['accepted', 'refused'].includes(outcome) && t.examples.length < 10) t.examples.push(detail);
}

async function fuzzUploads(n) {
  const byKind = Object.fromEntries(UPLOAD_KINDS.map((k) => [k, tally()]));
  const byEndpoint = Object.fromEntries(ENDPOINTS.map(([e]) => [e, tally()]));
  if (n === 0) return { byKind, byEndpoint };
  const base = await baseImages();
  const app = await launchDashboard({ echo: () => {} });
  const post = async (path, input) => {
    const r = await fetch(`${app.url}/api/trpc/${path}`, { method: 'POST', body: JSON.stringify(input), headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(HTTP_LIMIT_MS) });
    return { status: r.status, body: await r.json().catch(() => null) };
  };
  const healthy = async () => {
    try {
      return (await fetch(`${app.url}/api/trpc/models.list`, { signal: AbortSignal.timeout(HTTP_LIMIT_MS) })).ok;
    } catch {
      return false;
    }
  };
  try {
    for (let i = 0; i < n; i++) {
      const u = fuzzUpload(i, base);
      const [endpoint, input] = ENDPOINTS[i % ENDPOINTS.length];
      const detail = `${endpoint} <- ${u.kind}: ${u.what}`;
      let outcome;
      let note = '';
      try {
        const { status, body } = await post(endpoint, input(u.text));
        const message = body?.error?.message ?? body?.error?.json?.message;
        if (status === 200) {
          outcome = 'accepted';
          const id = body?.result?.data?.id;
          if (endpoint === 'vps.explain' && id) await post('jobs.cancel', { id }); // keep the worker free
        } else if (status >= 400 && status < 500 && clear(message)) outcome = 'refused';
        else {
          outcome = 'unclear';
          note = ` -> ${status}: ${String(message).slice(0, 200)}`;
        }
      } catch (e) {
        outcome = e.name === 'TimeoutError' ? 'hang' : 'crash';
        note = ` -> ${e.message}`;
      }
      if (outcome !== 'hang' && !(await healthy())) {
        outcome = 'crash';
        note += ' (the server stopped answering)';
      }
      count(byKind[u.kind], outcome, detail + note);
      count(byEndpoint[endpoint], outcome, detail + note);
      if (outcome === 'crash') break;
      if ((i + 1) % 100 === 0) process.stderr.write(`fuzz: uploads ${i + 1}/${n}\n`);
    }
  } finally {
    await app.stop();
    rmSync(dirname(app.dataDir), { recursive: true, force: true });
  }
  return { byKind, byEndpoint };
}

function fuzzModels(n) {
  const commands = {
    'gradloc grad': (m, dir) => ['grad', '--model', m, '--feed', `x=${join(dir, 'x.npy')}`, '--of', 'y[0,1]', '--wrt', 'x', '--out', join(dir, 'grad')],
    'gradloc quantize': (m, dir) => ['quantize', '--model', m, '--method', 'rtn', '--out', join(dir, 'q.onnx')],
  };
  const byKind = Object.fromEntries(MODEL_KINDS.map((k) => [k, tally()]));
  const byCommand = Object.fromEntries(Object.keys(commands).map((c) => [c, tally()]));
  const root = mkdtempSync(join(tmpdir(), 'gradloc-fuzz-'));
  try {
    writeFileSync(join(root, 'x.npy'), encodeNpy(tensor('float32', [1, 3, 8, 8], new Float32Array(192).fill(0.5))));
    for (let i = 0; i < n; i++) {
      const m = fuzzModel(i);
      const dir = join(root, String(i), 'model');
      mkdirSync(dir, { recursive: true });
      const path = join(dir, 'model.onnx');
      writeFileSync(path, m.bytes);
      for (const [name, args] of Object.entries(commands)) {
        const r = spawnSync(process.execPath, [CLI, ...args(path, root)], { encoding: 'utf8', timeout: CLI_LIMIT_MS, env: { ...process.env, GRADLOC_THREADS: '1' } });
        const lines = (r.stderr ?? '').split('\n').filter((l) => l.startsWith('gradloc: '));
        const detail = `${name} <- ${m.kind}: ${m.what}`;
        let outcome;
        if (r.error?.code === 'ETIMEDOUT') outcome = 'hang';
        else if (r.signal) outcome = 'crash';
        else if (r.status === 0) outcome = 'accepted';
        else if (r.status === 1 && lines.length === 1 && clear(lines[0].replace(/^gradloc: /, ''))) outcome = 'refused';
        else outcome = 'unclear';
        const note = outcome === 'accepted' || outcome === 'refused' ? '' : ` -> exit ${r.status ?? r.signal}: ${(lines.join(' | ') || (r.stderr ?? '').trim().split('\n').slice(-2).join(' | ')).slice(0, 240)}`;
        count(byKind[m.kind], outcome, detail + note);
        count(byCommand[name], outcome, detail + note);
      }
      rmSync(join(root, String(i)), { recursive: true, force: true });
      if ((i + 1) % 20 === 0) process.stderr.write(`fuzz: models ${i + 1}/${n}\n`);
    }
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
  return { byKind, byCommand };
}

const row = (name, t) => `| ${name} | ${t.total} | ${t.accepted} | ${t.refused} | ${t.unclear} | ${t.hang} | ${t.crash} |`;
const table = (title, groups) => [`| ${title} | cases | accepted | refused clearly | unclear | hangs | crashes |`, '|---|---|---|---|---|---|---|', ...Object.entries(groups).map(([k, t]) => row(k, t))];

const t0 = Date.now();
const uploads = await fuzzUploads(UPLOADS);
const models = fuzzModels(MODELS);
const all = [...Object.values(uploads.byKind), ...Object.values(models.byKind)];
const bad = all.reduce((a, t) => a + t.unclear + t.hang + t.crash, 0);
const examples = all.flatMap((t) => t.examples);
const text = [
  `${UPLOADS} fuzzed uploads over HTTP to the real app (every procedure that takes an image, round robin) and ${MODELS} fuzzed ONNX models through \`gradloc grad\` and \`gradloc quantize\` (each run in its own process); inputs from scripts/fuzz-inputs.mjs, seeded. Limits: ${HTTP_LIMIT_MS / 1000} s an HTTP answer, ${CLI_LIMIT_MS / 1000} s a command. Run took ${Math.round((Date.now() - t0) / 1000)} s; node ${process.version}.`,
  '',
  ...table('upload kind', uploads.byKind),
  '',
  ...table('procedure', uploads.byEndpoint),
  '',
  ...table('model kind', models.byKind),
  '',
  ...table('command', models.byCommand),
  '',
  bad === 0 ? 'Unclear answers, hangs and crashes: **0**.' : `Unclear answers, hangs and crashes: **${bad}**, e.g.:\n\n${examples.map((e) => `- ${e}`).join('\n')}`,
].join('\n');
console.log(text);
if (values.write) {
  writeSection(README, 'fuzz', text);
}
if (bad > 0) process.exitCode = 1;
