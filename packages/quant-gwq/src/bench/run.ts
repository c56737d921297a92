/**
 * `npm run bench -w @gradloc/quant-gwq [-- --runs N --write]`: what quantizing costs and what
 * it buys, measured in one run. The model is the repository's brown-gpt
 * (models/brown-gpt/model.onnx) when the package sits in the repo, else a GPT of the same
 * shape with random weights (timings only depend on the shape). Calibration uses 32 windows
 * of pseudo-random tokens: the benchmark times the work; quality is the README table's business.
 *
 * 1. Quantization wall time: GWQ 4-bit (calibration + quantization), RTN, GPTQ.
 * 2. Latency at M = 1 (decoding) and M = 64 (prefill), interleaved medians, FP32 against
 *    RTN 4-bit, GWQ 4-bit with 1% outliers as whole channels (the default) and as single
 *    weights (the paper's), each in the default int8 form and in the packed form
 *    (MatMulNBits, or standard-op unpacking at 3 bits), and GWQ at 3 and 2 bits. The group
 *    is the package's default (defaultGroup: 64 on brown-gpt's widths).
 * 3. File size and the resident memory a loaded session adds (median of 3 fresh child
 *    processes each, onnxruntime itself loaded before the baseline).
 * 3b. On the repository's brown-gpt: test perplexity (the whole Brown test split) of FP32
 *    and of the default GWQ 4-bit in both forms, the issue's quality bound (within 2%).
 * 4. The outlier forms on single matrices (outlier-forms.ts): why outliers are channels by default.
 * --write puts the table into the README's benchmark section.
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildGPT, encodeModel, Graph, loadModel, median, OnnxModel, tensor, type Feeds } from '@gradloc/tensor-backend';
import { brownPerplexity } from '@gradloc/models';
import { replaceSection } from '@gradloc/bench-kit';
import { quantizeGraph, type QuantizeOptions } from '../quantize.js';
import { lmLatencies, sessionMemoryMb } from './latency.js';
import { FORMS, FORM_SHAPES, outlierFormLatencies } from './outlier-forms.js';

const REPO_MODEL = fileURLToPath(new URL('../../../../models/brown-gpt/model.onnx', import.meta.url));
const README = fileURLToPath(new URL('../../README.md', import.meta.url));
const VOCAB = 10_000;
const CONTEXT = 64;

function model(): { graph: Graph; what: string; trained: boolean } {
  if (existsSync(REPO_MODEL)) return { graph: Graph.fromModel(loadModel(REPO_MODEL)), what: 'brown-gpt (models/brown-gpt)', trained: true };
  return { graph: buildGPT({ vocab: VOCAB, context: CONTEXT, dim: 192, depth: 4, heads: 4, seed: 0 }), what: 'a random GPT of brown-gpt\'s shape', trained: false };
}

/** Test perplexity over the whole Brown test split (what `gradloc eval-ppl` computes). */
async function testPerplexity(bytes: Uint8Array): Promise<number> {
  const m = OnnxModel.fromBytes(bytes, { threads: 2 });
  try {
    return (await brownPerplexity(m, { split: 'test' })).ppl;
  } finally {
    await m.release();
  }
}

function calibrationSamples(n: number): Feeds[] {
  return Array.from({ length: n }, (_, s) => {
    const ids = Array.from({ length: CONTEXT + 1 }, (_, i) => (s * 7919 + i * 104_729) % VOCAB);
    return { input_ids: tensor('int64', [1, CONTEXT], ids.slice(0, CONTEXT)), targets: tensor('int64', [1, CONTEXT], ids.slice(1)) };
  });
}

interface Quantized {
  readonly label: string;
  readonly bytes: Uint8Array;
  readonly calibMs: number;
  readonly quantMs: number;
  readonly bpw: number;
  readonly group: number;
  /** Also timed and measured (not only quantized). */
  readonly timed: boolean;
}

const flag = (name: string, fallback: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? fallback : Number(process.argv[i + 1]);
};

async function main(): Promise<void> {
  const runs = flag('runs', 30);
  const load0 = loadavg()[0];
  const { graph, what, trained } = model();
  const calibration = { loss: { kind: 'lm' as const }, samples: calibrationSamples(32) };
  const runtime = { threads: 2 };
  const base = { method: 'gwq', bits: 4, outliers: 0.01, calibration } as const;
  const run = async (label: string, o: Omit<QuantizeOptions, 'runtime'>, timed = true): Promise<Quantized> => {
    const t0 = performance.now();
    const { graph: q, report } = await quantizeGraph(graph, { ...o, runtime });
    const bytes = encodeModel(q.toModel());
    return { label, bytes, calibMs: report.calibMs, quantMs: performance.now() - t0 - report.calibMs, bpw: report.bitsPerWeight, group: report.group, timed };
  };
  const packed = { format: 'packed' } as const;
  const results = [
    await run('RTN 4-bit, packed (MatMulNBits)', { method: 'rtn', bits: 4, ...packed }),
    await run('GWQ 4-bit, 1% channels (default: int8)', { ...base, outlierUnit: 'channel' }),
    await run('GWQ 4-bit, 1% channels, packed (MatMulNBits)', { ...base, outlierUnit: 'channel', ...packed }),
    await run('GWQ 4-bit, 1% single weights (default: int8)', { ...base, outlierUnit: 'weight' }),
    await run('GWQ 4-bit, 1% single weights, packed', { ...base, outlierUnit: 'weight', ...packed }),
    await run('GWQ 4-bit, 1% channels, FP32 embeddings', { ...base, outlierUnit: 'channel', embeddings: false }),
    await run('GWQ 4-bit, 1% channels, packed, accuracy_level 4', { ...base, outlierUnit: 'channel', accuracyLevel: 4, ...packed }),
    await run('GWQ 3-bit, 1% channels (default: int8)', { ...base, bits: 3, outlierUnit: 'channel' }),
    await run('GWQ 3-bit, 1% channels, packed (unpack)', { ...base, bits: 3, outlierUnit: 'channel', ...packed }),
    await run('GWQ 2-bit, 1% channels (default: int8)', { ...base, bits: 2, outlierUnit: 'channel' }),
    await run('GWQ 2-bit, 1% channels, packed (MatMulNBits)', { ...base, bits: 2, outlierUnit: 'channel', ...packed }),
    await run('GWQ 4-bit, 1% channels + GPTQ', { ...base, outlierUnit: 'channel', gptq: true }, false),
  ];
  const fp32 = encodeModel(graph.toModel());
  const timed: Record<string, Uint8Array> = { FP32: fp32, ...Object.fromEntries(results.filter((r) => r.timed).map((r) => [r.label, r.bytes])) };
  const lat = await lmLatencies(timed, { vocab: VOCAB, runs });
  const dir = mkdtempSync(join(tmpdir(), 'gwq-bench-'));
  const memory: Record<string, number> = {};
  try {
    for (const [i, [label, bytes]] of Object.entries(timed).entries()) {
      const path = join(dir, `${i}.onnx`);
      writeFileSync(path, bytes);
      const probes: number[] = [];
      for (let k = 0; k < 3; k++) probes.push(await sessionMemoryMb(path, VOCAB));
      memory[label] = median(probes);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const forms = await outlierFormLatencies(runs);
  // quality of the default and its packed twin (a random model's perplexity says nothing)
  const PPL_ROWS = ['GWQ 4-bit, 1% channels (default: int8)', 'GWQ 4-bit, 1% channels, packed (MatMulNBits)'];
  const ppl: Record<string, number> = {};
  if (trained) {
    ppl.FP32 = await testPerplexity(fp32);
    for (const label of PPL_ROWS) ppl[label] = await testPerplexity(results.find((r) => r.label === label)!.bytes);
  }
  const load1 = loadavg()[0];
  const mb = (n: number): string => `${(n / 2 ** 20).toFixed(2)} MB`;
  const f = lat.FP32;
  const ratio = (a: number, b: number): string => `${(a / b).toFixed(2)}x`;
  const rows = [
    `| FP32 | - | - | 32 | ${f.m1.medianMs.toFixed(2)} ms | ${f.m64.medianMs.toFixed(2)} ms | ${mb(fp32.length)} | ${memory.FP32.toFixed(1)} MB |`,
    ...results.map((r) => {
      const cal = r.calibMs > 0 ? `${(r.calibMs / 1000).toFixed(1)} s` : '-';
      const q = `${(r.quantMs / 1000).toFixed(1)} s`;
      if (!r.timed) return `| ${r.label} | ${cal} | ${q} | ${r.bpw.toFixed(2)} | | | | |`;
      const l = lat[r.label];
      return `| ${r.label} | ${cal} | ${q} | ${r.bpw.toFixed(2)} | ${l.m1.medianMs.toFixed(2)} ms (${ratio(l.m1.medianMs, f.m1.medianMs)}) | ${l.m64.medianMs.toFixed(2)} ms (${ratio(l.m64.medianMs, f.m64.medianMs)}) | ${mb(r.bytes.length)} (${ratio(r.bytes.length, fp32.length)}) | ${memory[r.label].toFixed(1)} MB (${ratio(memory[r.label], memory.FP32)}) |`;
    }),
  ];
  const table = [
    `${what}, group ${[...new Set(results.map((r) => r.group))].join('/')} (the default), 32 calibration windows; latency: interleaved medians of ${runs} runs, 2 threads; session memory: RSS a loaded session adds after one M = 64 run (median of 3 fresh processes, onnxruntime loaded first). ${availableParallelism()} cores, node ${process.version}, load average ${load0.toFixed(2)} -> ${load1.toFixed(2)}.`,
    '',
    '| | calibration | quantization | bits/weight | M=1 | M=64 | file | session memory |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    ...(trained
      ? [
          `Test perplexity (the whole Brown test split, as \`gradloc eval-ppl\`; calibration here: 32 pseudo-random windows): FP32 ${ppl.FP32.toFixed(2)}; ${PPL_ROWS.map((l) => `${l} ${ppl[l].toFixed(2)} (${(((ppl[l] / ppl.FP32) - 1) * 100).toFixed(2)}%)`).join('; ')}.`,
          '',
        ]
      : []),
    `Outlier forms on one matrix (4-bit MatMulNBits + about 1% FP16 values, and the int8 form with them written in; medians of ${runs} interleaved runs, 2 threads):`,
    '',
    `| form | ${FORM_SHAPES.flatMap(([K, N]) => [1, 64].map((M) => `[${K}, ${N}] M=${M}`)).join(' | ')} |`,
    `|---|${FORM_SHAPES.flatMap(() => ['---', '---']).join('|')}|`,
    ...FORMS.map((form) => `| ${form} | ${FORM_SHAPES.flatMap(([K, N]) => [1, 64].map((M) => {
      const t = forms[`${K}x${N}|${form}|${M}`].medianMs;
      const fp = forms[`${K}x${N}|FP32|${M}`].medianMs;
      return `${(t * 1000).toFixed(0)} µs (${(t / fp).toFixed(2)}x)`;
    })).join(' | ')} |`),
  ].join('\n');
  console.log(table);
  if (process.argv.includes('--write')) replaceSection(README, 'quant-bench', table);
}

await main();
