/**
 * `npm run quant-table -w @gradloc/reports`: the brown-gpt table in packages/quant-gwq's
 * README. Every method x bits {2, 3, 4} x outlier fraction {0, 0.5%, 1%} (plus GPTQ rows):
 * test perplexity (the whole Brown test split, `gradloc eval-ppl`'s code), stored bits per
 * quantized weight, file size, and interleaved median latency at M = 1 and M = 64 beside
 * FP32. One calibration run (brown:train:32, with X^T X for GPTQ) serves every row.
 * Flags: --max-windows N (quick looks; the README says so), --dry-run (print only).
 */
import { writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { encodeModel, Graph, loadModel, OnnxModel } from '@gradloc/tensor-backend';
import { brownCalibration, calibrate, canonicalWeights, quantizeGraph, type Method, type OutlierUnit } from '@gradloc/quant-gwq';
// the quant benchmark's latency helper: benchmark plumbing, built with quant-gwq but not published
import { lmLatencies } from '../../../packages/quant-gwq/dist/bench/latency.js';
import { brownPerplexity, loadBrownTokenizer, modelDir } from '@gradloc/models';
import { replaceSection } from '@gradloc/bench-kit';

interface Config {
  readonly label: string;
  readonly method: Method;
  readonly bits: number;
  readonly outliers: number;
  readonly unit: OutlierUnit;
  readonly gptq?: boolean;
  /** false: embedding tables left FP32 (default: quantized like the matrices). */
  readonly embeddings?: false;
}

interface Row extends Config {
  readonly ppl: number;
  readonly bitsPerWeight: number;
  readonly sizeBytes: number;
  readonly quantMs: number;
  m1Ms?: number;
  m64Ms?: number;
}

const GROUP = 64;
const CALIBRATION = { split: 'train', samples: 32, seed: 0 } as const;
const OUTLIER_METHODS: readonly Method[] = ['gwq', 'hessian', 'magnitude', 'random'];

/**
 * Outlier shares by unit, paired at (nearly) equal bits/weight: a weight outlier stores a value
 * and two indices (48 bits), a channel outlier a value (16 bits; one index per row).
 */
const SHARES: Readonly<Record<OutlierUnit, readonly number[]>> = { weight: [0.005, 0.01], channel: [0.015, 0.03] };
const UNITS: readonly OutlierUnit[] = ['weight', 'channel'];

function configs(): Config[] {
  const out: Config[] = [];
  for (const bits of [4, 3, 2]) {
    out.push({ label: `rtn ${bits}`, method: 'rtn', bits, outliers: 0, unit: 'weight' });
    for (const unit of UNITS) for (const outliers of SHARES[unit]) for (const method of OUTLIER_METHODS) out.push({ label: `${method} ${bits} ${unit} ${outliers}`, method, bits, outliers, unit });
    out.push({ label: `rtn+gptq ${bits}`, method: 'rtn', bits, outliers: 0, unit: 'weight', gptq: true });
    for (const unit of UNITS) out.push({ label: `gwq+gptq ${bits} ${unit}`, method: 'gwq', bits, outliers: SHARES[unit][1], unit, gptq: true });
  }
  // the defaults (4 bits, 1% channels) with and without quantized embeddings
  out.push({ label: 'gwq 4 channel 0.01', method: 'gwq', bits: 4, outliers: 0.01, unit: 'channel' });
  out.push({ label: 'gwq 4 channel 0.01 fp32-embeddings', method: 'gwq', bits: 4, outliers: 0.01, unit: 'channel', embeddings: false });
  return out;
}

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

const pct = (f: number): string => (f === 0 ? '0' : `${+(f * 100).toFixed(2)}%`);
const mb = (b: number): string => `${(b / 2 ** 20).toFixed(2)} MB`;

async function main(): Promise<void> {
  const maxWindows = flag('max-windows') ? Number(flag('max-windows')) : undefined;
  const dry = process.argv.includes('--dry-run');
  const dir = modelDir('brown-gpt');
  const source = Graph.fromModel(loadModel(join(dir, 'model.onnx')));
  const vocab = loadBrownTokenizer().size;
  const runtime = { threads: 2 };
  const ppl = async (bytes: Uint8Array): Promise<number> => {
    const m = OnnxModel.fromBytes(bytes, runtime);
    try {
      return (await brownPerplexity(m, { split: 'test', maxWindows })).ppl;
    } finally {
      await m.release();
    }
  };
  const calibration = brownCalibration(CALIBRATION.split, CALIBRATION.samples, 64, CALIBRATION.seed);
  const { graph: canonical, sites } = canonicalWeights(source);
  const calibrated = await calibrate(canonical, sites, { ...calibration, hessian: true, runtime });
  console.log(`calibration: ${CALIBRATION.samples} windows in ${(calibrated.ms / 1000).toFixed(1)} s`);
  const fp32Bytes = encodeModel(source.toModel());
  const fp32 = { ppl: await ppl(fp32Bytes), sizeBytes: fp32Bytes.length };
  console.log(`fp32 ppl ${fp32.ppl.toFixed(3)}`);
  const rows: Row[] = [];
  const files: Record<string, Uint8Array> = { fp32: fp32Bytes };
  for (const c of configs()) {
    // the packed form: bits/weight is then the quantization's own budget (the default int8 form
    // stores a byte a weight whatever the bits; its perplexity and speed: the package benchmark)
    const { graph, report } = await quantizeGraph(source, { method: c.method, bits: c.bits, group: GROUP, outliers: c.outliers, outlierUnit: c.unit, embeddings: c.embeddings, gptq: c.gptq, format: 'packed', calibration, calibrated, runtime });
    const bytes = encodeModel(graph.toModel());
    files[c.label] = bytes;
    const row: Row = { ...c, ppl: await ppl(bytes), bitsPerWeight: report.bitsPerWeight, sizeBytes: bytes.length, quantMs: report.quantMs };
    rows.push(row);
    console.log(`${c.label}: ppl ${row.ppl.toFixed(3)}, ${row.bitsPerWeight.toFixed(3)} bits/weight, ${mb(row.sizeBytes)}`);
  }
  const lat = await lmLatencies(files, { vocab, runs: 20 });
  for (const r of rows) {
    r.m1Ms = lat[r.label].m1.medianMs;
    r.m64Ms = lat[r.label].m64.medianMs;
  }
  const fpLat = lat.fp32;
  const swept = (r: Row): boolean => r.outliers === 0 || SHARES[r.unit].includes(r.outliers);
  const verdict = (bits: number): string => {
    const gwq = rows.filter((r) => r.bits === bits && r.method === 'gwq' && !r.gptq && swept(r));
    const rtn = rows.find((r) => r.bits === bits && r.method === 'rtn' && !r.gptq)!;
    const lines = gwq.map((g) => {
      const rivals = rows.filter((r) => r.bits === bits && !r.gptq && r.unit === g.unit && r.outliers === g.outliers && (r.method === 'magnitude' || r.method === 'hessian' || r.method === 'random'));
      const beaten = rivals.filter((r) => g.ppl < r.ppl).map((r) => r.method);
      const lost = rivals.filter((r) => g.ppl >= r.ppl).map((r) => `${r.method} (${r.ppl.toFixed(2)})`);
      return `GWQ ${bits}-bit at ${pct(g.outliers)} ${g.unit} outliers: ppl ${g.ppl.toFixed(2)}, ${g.ppl < rtn.ppl ? 'better' : 'NOT better'} than RTN (${rtn.ppl.toFixed(2)}, fewer bits/weight); better than ${beaten.join(', ') || 'none'} at equal bits/weight${lost.length ? `; not better than ${lost.join(', ')}` : ''}.`;
    });
    // the two units at equal bits/weight: the i-th share of one against the i-th of the other
    const units = SHARES.weight.map((w, i) => {
      const [a, b] = [gwq.find((r) => r.unit === 'weight' && r.outliers === w), gwq.find((r) => r.unit === 'channel' && r.outliers === SHARES.channel[i])];
      if (!a || !b) return '';
      return `GWQ ${bits}-bit, channels vs single weights at ${b.bitsPerWeight.toFixed(3)} vs ${a.bitsPerWeight.toFixed(3)} bits/weight: ppl ${b.ppl.toFixed(2)} vs ${a.ppl.toFixed(2)} (${b.ppl <= a.ppl ? 'no worse' : 'WORSE'}), M=1 ${b.m1Ms!.toFixed(2)} vs ${a.m1Ms!.toFixed(2)} ms, M=64 ${b.m64Ms!.toFixed(2)} vs ${a.m64Ms!.toFixed(2)} ms.`;
    });
    return [...lines, ...units.filter(Boolean)].join('\n- ');
  };
  const table = [
    `brown-gpt (${sites.length} weight matrices, ${sites.reduce((n, s) => n + s.K * s.N, 0).toLocaleString('en-US')} weights incl. the tied LM head), group ${GROUP}, calibration brown:${CALIBRATION.split}:${CALIBRATION.samples}${maxWindows ? `, **perplexity on ${maxWindows} test windows only**` : ', perplexity on the whole test split'}.`,
    '',
    '| method | bits | FP16 outliers | test ppl | vs FP32 | bits/weight | file | M=1 ms | M=64 ms |',
    '|---|---|---|---|---|---|---|---|---|',
    `| fp32 | 32 | - | ${fp32.ppl.toFixed(2)} | - | 32 | ${mb(fp32.sizeBytes)} | ${fpLat.m1.medianMs.toFixed(2)} | ${fpLat.m64.medianMs.toFixed(2)} |`,
    ...rows.map(
      (r) =>
        `| ${r.method}${r.gptq ? ' + GPTQ' : ''}${r.embeddings === false ? ' (FP32 embeddings)' : ''} | ${r.bits} | ${r.outliers === 0 ? '0' : `${pct(r.outliers)} ${r.unit === 'channel' ? 'channels' : 'weights'}`} | ${r.ppl.toFixed(2)} | ${((r.ppl / fp32.ppl - 1) * 100).toFixed(2)}% | ${r.bitsPerWeight.toFixed(3)} | ${mb(r.sizeBytes)} | ${r.m1Ms!.toFixed(2)} | ${r.m64Ms!.toFixed(2)} |`,
    ),
    '',
    `- ${verdict(4)}`,
    `- ${verdict(3)}`,
    `- ${verdict(2)}`,
    '',
    'bits/weight counts the quantized matrices (codes, scales, zero points, outliers); file is the whole model, embedding tables included (quantized like the matrices unless a row says FP32). ' +
      'Produced by `npm run quant-table -w @gradloc/reports` (results: tools/reports/results/quant-table.json). Latencies are interleaved medians of 20 runs, 2 threads.',
  ].join('\n');
  console.log(table);
  if (dry) return;
  mkdirSync(join(dir, '..', '..', 'tools/reports/results'), { recursive: true });
  writeFileSync(join(dir, '..', '..', 'tools/reports/results/quant-table.json'), `${JSON.stringify({ group: GROUP, calibration: CALIBRATION, maxWindows: maxWindows ?? null, fp32: { ...fp32, m1Ms: fpLat.m1.medianMs, m64Ms: fpLat.m64.medianMs }, rows }, null, 2)}\n`);
  replaceSection(join(dir, '..', '..', 'packages/quant-gwq/README.md'), 'quant-table', table);
}

await main();
