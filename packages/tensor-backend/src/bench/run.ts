/**
 * Benchmark: forward vs forward+backward time, compile time and peak RSS for ResNet-18,
 * ViT, GPT (and the compile of ResNet-50). `npm run bench -w @gradloc/tensor-backend`.
 *
 * Each case runs in a child process (`--case <id>`), so peak RSS is per case and one
 * case's onnxruntime thread pools cannot slow the next. Prints a table, the targets'
 * verdicts, a per-rule profile of every gradient that misses the 3x target, and finally
 * one JSON line with every figure.
 *
 * A last child times a plain ResNet-18 forward at the default thread count (every core)
 * against each explicit count (threads.ts).
 *
 * Flags: --runs N (default 20), --warmup N (2), --only id,id (case ids, or 'threads'),
 * --profile (profile all), --no-profile, --write (put the table and verdicts into the
 * README's `engine-bench` section; needs every case, so not with --only).
 */
import { spawnSync } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { flag, has } from './args.js';
import { runCase, type BenchSettings, type CaseResult } from './bench-case.js';
import { CASES } from './cases.js';
import { hasSection, replaceSection } from '@gradloc/bench-kit';
import { bottlenecks, convolutionRoom, ownLimitSummary, table, verdicts } from './report.js';
import { runThreads, type ThreadsResult } from './threads.js';

const MARK = '@@gradloc-bench ';
/** The child that measures the default thread count against each explicit one (threads.ts). */
const THREADS = 'threads';

const settings: BenchSettings = {
  runs: Number(flag('runs') ?? 20),
  warmup: Number(flag('warmup') ?? 2),
  profile: has('no-profile') ? 'none' : has('profile') ? 'all' : 'missed',
};

const README = fileURLToPath(new URL('../../README.md', import.meta.url));
const SECTION = 'engine-bench';

async function child(id: string): Promise<void> {
  if (id === THREADS) {
    process.stdout.write(`${MARK}${JSON.stringify(await runThreads(settings.runs, settings.warmup))}\n`);
    return;
  }
  const c = CASES.find((x) => x.id === id);
  if (!c) throw new Error(`unknown bench case '${id}' (cases: ${CASES.map((x) => x.id).join(', ')})`);
  const result = await runCase(c, settings);
  process.stdout.write(`${MARK}${JSON.stringify(result)}\n`);
}

function parent(): void {
  const only = flag('only')?.split(',');
  const write = has('write');
  // checked before minutes of measuring, not after
  const refuse = !write ? undefined : only ? '--write replaces the whole README table: run every case (drop --only)' : !hasSection(README, SECTION) ? `${README} has no <!-- ${SECTION}:start --> ... <!-- ${SECTION}:end --> section` : undefined;
  if (refuse) {
    console.error(refuse);
    process.exitCode = 2;
    return;
  }
  const cases = CASES.filter((c) => !only || only.includes(c.id));
  const self = fileURLToPath(import.meta.url);
  const passThrough = process.argv.slice(2).filter((a, i, all) => a !== '--only' && all[i - 1] !== '--only');
  const results: CaseResult[] = [];
  const failures: { id: string; error: string }[] = [];
  const t0 = performance.now();
  // other processes on these shared cores inflate the figures: record the load around the run
  const loadBefore = loadavg()[0];
  console.log(`gradloc tensor-backend bench: ${cpus().length} cores, node ${process.version}, ${settings.runs} runs after ${settings.warmup} warm-up, medians; load average ${loadBefore.toFixed(2)}\n`);
  const spawnChild = (id: string, title: string): string | undefined => {
    const started = performance.now();
    const r = spawnSync(process.execPath, [self, '--case', id, ...passThrough], { encoding: 'utf8', maxBuffer: 64 << 20, timeout: 300_000 });
    const line = r.stdout?.split('\n').find((l) => l.startsWith(MARK));
    if (r.status !== 0 || !line) {
      // the child's error message line (stack frames and onnxruntime warnings omitted)
      const lines = (r.stderr ?? '').split('\n');
      const error = lines.find((l) => /^\w*Error\b/.test(l))?.trim() ?? r.error?.message ?? `exit ${r.status}`;
      failures.push({ id, error });
      console.log(`  ${title}: FAILED - ${error}`);
      return undefined;
    }
    console.log(`  ${title}: done in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    return line.slice(MARK.length);
  };
  for (const c of cases) {
    const line = spawnChild(c.id, c.title);
    if (line) results.push(JSON.parse(line) as CaseResult);
  }
  const threadsLine = !only || only.includes(THREADS) ? spawnChild(THREADS, 'ResNet-18 224 forward by thread count') : undefined;
  const threads = threadsLine ? (JSON.parse(threadsLine) as ThreadsResult) : undefined;

  // the report: printed, and with --write the same text (up to the profile) goes to the README
  const lines = [
    table(results),
    '',
    'f+b = one session run returning the forward output and the gradient (OnnxModel.vjp); input = image (GPT: token embeddings); W = all weights.',
    'x fwd = median f+b / median fwd (in brackets: min / min); compile = OnnxModel.compile (transform + serialise + onnxruntime session);',
    'RSS = sampled peak once the forward / + input-gradient / + all-weights sessions exist (cumulative); max = getrusage.',
    '',
  ];
  const v = verdicts(results);
  for (const x of v) lines.push(`  ${x.pass ? 'PASS' : 'MISS'}  ${x.target} = ${x.value.toFixed(2)} (limit ${x.limit})`);
  const small = ownLimitSummary(results);
  if (small) lines.push('', small);
  const room = convolutionRoom(results);
  if (room) lines.push('', room);
  if (threads) {
    const cells = Object.entries(threads.forward).map(([k, t]) => `${k === 'default' ? `default (${threads.defaultThreads})` : `${k} thread${k === '1' ? '' : 's'}`} ${t.medianMs.toFixed(1)} ms`);
    lines.push('', `Threads, ResNet-18 224 plain forward (medians, interleaved): ${cells.join(', ')}; default / best (${threads.bestThreads}) = ${threads.defaultVsBest.toFixed(2)}`);
  }
  const load = { before: loadBefore, after: loadavg()[0] };
  console.log(`\n${lines.join('\n')}`);
  const b = bottlenecks(results);
  if (b) console.log(`\nWhere the time goes (onnxruntime profile, kernel ms per run, by the rule that emitted the nodes):\n${b}`);
  console.log(`\ntotal ${((performance.now() - t0) / 1000).toFixed(1)} s; load average before ${load.before.toFixed(2)}, after ${load.after.toFixed(2)} (above ~0.5 the figures are inflated by other processes)`);
  if (write && !failures.length) {
    const head = `${cpus().length} cores, node ${process.version}, medians of ${settings.runs} interleaved runs after ${settings.warmup} warm-up, load average ${load.before.toFixed(2)} -> ${load.after.toFixed(2)} (\`npm run bench -w @gradloc/tensor-backend -- --write\`):`;
    replaceSection(README, SECTION, [head, '', '```', ...lines, '```'].join('\n'));
    console.log(`wrote ${SECTION} into README.md`);
  } else if (write) console.log(`README.md not written: ${failures.length} case(s) failed`);
  console.log(JSON.stringify({ bench: '@gradloc/tensor-backend', cores: cpus().length, node: process.version, load, settings, results, threads, verdicts: v, failures }));
  if (failures.length) process.exitCode = 1;
}

const caseId = flag('case');
if (caseId) {
  child(caseId).catch((e: unknown) => {
    console.error(e instanceof Error ? (e.stack ?? e.message) : String(e));
    process.exit(1);
  });
} else {
  parent();
}
