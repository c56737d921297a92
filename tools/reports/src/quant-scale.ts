/**
 * `npm run quant-scale -w @gradloc/reports [-- --sizes 3M,30M --runs N --write]`: what
 * `gradloc quantize` costs as models grow. For each size, `gradloc make-gpt` writes a GPT of
 * random weights (every weight in external data) into a temp folder, then `gradloc quantize`
 * with its defaults (GWQ 4-bit) runs on it `--runs` times (default 3 up to 120M, 1 above: a
 * 500M run takes minutes and 2 GB). Both are the built CLI in child processes, as users run
 * them: the wall time is the whole process measured here (start-up, loading, calibration,
 * quantization, writing), the peak RSS is the child's own `peak_rss_bytes`. Rows are medians.
 * Then scale-latency.ts times the FP32 model and the last quantized copy (M = 1 and M = 64).
 * --write puts the table into packages/quant-gwq/README.md (the scale-table section) and
 * the runs into tools/reports/results/quant-scale.json. Temp folders go after each size.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { GradlocError, median } from '@gradloc/tensor-backend';
import { GPT_SIZE_NAMES, type GptSize } from '@gradloc/models';
import { hasSection, replaceSection } from '@gradloc/bench-kit';

const ROOT = join(import.meta.dirname, '..', '..', '..');
const BIN = join(ROOT, 'packages', 'cli', 'dist', 'bin.js');
const LATENCY = join(import.meta.dirname, 'scale-latency.js');
const README = join(ROOT, 'packages', 'quant-gwq', 'README.md');
const SECTION = 'scale-table';
const MB = 2 ** 20;

interface Made {
  readonly params: number;
  readonly weight_bytes: number;
  readonly ms: number;
}

/** One quantize run: wall time measured here, the rest from its JSON line. */
interface Run {
  readonly wallMs: number;
  readonly calibMs: number;
  readonly quantMs: number;
  readonly bitsPerWeight: number;
  readonly sizeBytes: number;
  /** Absent from a quantize that does not report it. */
  readonly peakRssBytes?: number;
}

/** Median ms of the FP32 model and its quantized copy (scale-latency.ts). */
type Latency = Readonly<Record<'m1' | 'm64', { readonly fp32: number; readonly quantized: number }>>;

interface SizeResult {
  readonly size: GptSize;
  readonly made: Made;
  readonly runs: readonly Run[];
  readonly latency: Latency;
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

function parseSizes(spec: string | undefined): GptSize[] {
  if (spec === undefined) return [...GPT_SIZE_NAMES];
  return spec.split(',').map((s) => {
    if (!(GPT_SIZE_NAMES as readonly string[]).includes(s)) throw new GradlocError('BAD_INPUT', `--sizes takes ${GPT_SIZE_NAMES.join(',')} (or some of them), got '${s}'`);
    return s as GptSize;
  });
}

/** A run of 500M costs minutes and 2 GB; medians of 3 only where a run is cheap. */
const defaultRuns = (size: GptSize): number => (Number.parseInt(size, 10) <= 120 ? 3 : 1);

/** Runs the built CLI; progress goes to our stderr; returns its JSON line (the last stdout line). */
function cli(args: readonly string[]): { json: Record<string, unknown>; wallMs: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
  const wallMs = performance.now() - t0;
  if (r.status !== 0) throw new Error(`gradloc ${args.join(' ')} failed (exit ${r.status ?? r.signal})`);
  const line = r.stdout.trim().split('\n').at(-1) ?? '';
  return { json: JSON.parse(line) as Record<string, unknown>, wallMs };
}

const num = (json: Record<string, unknown>, key: string): number => {
  const v = json[key];
  if (typeof v !== 'number') throw new Error(`the JSON line has no number '${key}': ${JSON.stringify(json)}`);
  return v;
};

function measure(size: GptSize, runs: number): SizeResult {
  const tmp = mkdtempSync(join(tmpdir(), `quant-scale-${size}-`));
  try {
    const dir = join(tmp, 'gpt');
    console.error(`quant-scale: ${size}: make-gpt`);
    const made = cli(['make-gpt', '--params', size, '--vocab', 'brown', '--out', dir]).json;
    const out: Run[] = [];
    for (let i = 0; i < runs; i++) {
      console.error(`quant-scale: ${size}: quantize ${i + 1}/${runs}`);
      const { json, wallMs } = cli(['quantize', '--model', join(dir, 'model.onnx'), '--out', join(dir, 'q.onnx')]);
      const peak = json.peak_rss_bytes;
      out.push({
        wallMs,
        calibMs: num(json, 'calib_ms'),
        quantMs: num(json, 'quant_ms'),
        bitsPerWeight: num(json, 'bits_per_weight'),
        sizeBytes: num(json, 'size_bytes'),
        peakRssBytes: typeof peak === 'number' ? peak : undefined,
      });
      console.error(`quant-scale: ${size}: ${(wallMs / 1000).toFixed(1)} s, peak RSS ${typeof peak === 'number' ? `${(peak / MB).toFixed(0)} MB` : '-'}`);
    }
    // the last run's output against the FP32 model, in a process of its own
    const runsLatency = Number.parseInt(size, 10) <= 120 ? 20 : 10;
    console.error(`quant-scale: ${size}: latency (${runsLatency} interleaved runs)`);
    const lat = spawnSync(process.execPath, [LATENCY, join(dir, 'model.onnx'), join(dir, 'q.onnx'), String(runsLatency)], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] });
    if (lat.status !== 0) throw new Error(`scale-latency failed (exit ${lat.status ?? lat.signal})`);
    const latency = JSON.parse(lat.stdout.trim().split('\n').at(-1) ?? '') as Latency;
    return { size, made: { params: num(made, 'params'), weight_bytes: num(made, 'weight_bytes'), ms: num(made, 'ms') }, runs: out, latency };
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Median peak RSS; undefined when a run did not report it (a quantize without `peak_rss_bytes`). */
function medianPeak(runs: readonly Run[]): number | undefined {
  const v = runs.map((r) => r.peakRssBytes);
  return v.every((x): x is number => x !== undefined) ? median(v) : undefined;
}

const fixed = (v: number | undefined, digits: number, unit = ''): string => (v === undefined ? '-' : `${v.toFixed(digits)}${unit}`);
const latencyCell = (l: { fp32: number; quantized: number }): string => `${l.quantized.toFixed(1)} / ${l.fp32.toFixed(1)} ms (${(l.quantized / l.fp32).toFixed(2)}x)`;
const millions = (n: number): string => `${(n / 1e6).toFixed(1)}M`;

function markdown(results: readonly SizeResult[]): string {
  const runs = results.map((r) => `${r.runs.length} for ${r.size}`).join(', ');
  const head =
    `\`gradloc quantize --model DIR/model.onnx --out DIR/q.onnx\` with its defaults (GWQ 4-bit) on GPTs from \`gradloc make-gpt --vocab brown\` ` +
    `(random weights, context 128, every weight in external data). Time: the whole quantize process, medians of the runs (${runs}); ` +
    `peak RSS: the process's maximum resident set. Latency: a forward of 1 and of 64 tokens on plain onnxruntime sessions of the FP32 model and the quantized one, medians of interleaved runs (20 up to 120M, 10 above) in a separate process. ${availableParallelism()} cores, node ${process.version}.`;
  const rows = results.map(({ size, made, runs: rs, latency }) => {
    const mid = (pick: (r: Run) => number): number => median(rs.map(pick));
    const peak = medianPeak(rs);
    return [
      `${size} (${millions(made.params)})`,
      fixed(made.weight_bytes / MB, 1, ' MB'),
      fixed(mid((r) => r.wallMs) / 1000, 1, ' s'),
      fixed(mid((r) => r.calibMs) / 1000, 1, ' s'),
      fixed(mid((r) => r.quantMs) / 1000, 1, ' s'),
      fixed(peak === undefined ? undefined : peak / MB, 0, ' MB'),
      fixed(peak === undefined ? undefined : peak / made.weight_bytes, 2, 'x'),
      fixed(mid((r) => r.sizeBytes) / MB, 1, ' MB'),
      fixed(mid((r) => r.bitsPerWeight), 2),
      latencyCell(latency.m1),
      latencyCell(latency.m64),
    ];
  });
  return [
    head,
    '',
    '| params | weights (FP32) | quantize time | calibration | quantization | peak RSS | peak RSS / FP32 weights | output | bits/weight | latency M=1: quantized / FP32 | latency M=64: quantized / FP32 |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
}

function main(): void {
  const sizes = parseSizes(flag('sizes'));
  const runsFlag = flag('runs');
  const runs = runsFlag === undefined ? undefined : Number(runsFlag);
  if (runs !== undefined && !(Number.isInteger(runs) && runs >= 1)) throw new GradlocError('BAD_INPUT', `--runs needs a whole number >= 1, got '${runsFlag}'`);
  const write = process.argv.includes('--write');
  // checked before the long runs, not after
  if (write && !hasSection(README, SECTION)) throw new GradlocError('BAD_INPUT', `${README} has no <!-- ${SECTION}:start --> ... <!-- ${SECTION}:end --> section for --write`);
  const results = sizes.map((size) => measure(size, runs ?? defaultRuns(size)));
  const table = markdown(results);
  console.log(table);
  if (!write) return;
  mkdirSync(join(ROOT, 'tools/reports/results'), { recursive: true });
  writeFileSync(join(ROOT, 'tools/reports/results/quant-scale.json'), `${JSON.stringify({ node: process.version, cores: availableParallelism(), results }, null, 2)}\n`);
  replaceSection(README, SECTION, table);
}

main();
