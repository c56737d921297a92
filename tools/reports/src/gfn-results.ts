/**
 * `npm run gfn-results -w @gradloc/reports`: the results of packages/gflownet's README.
 * 1. Convergence of TB, DB, FL-DB, SubTB and FL-SubTB on set-small (top-100 mean reward),
 *    set-exact and hypergrid (exact L1), medians over 3 seeds (compareMethods, the code of
 *    `gradloc gfn bench`), plus FL-DB on incomplete trajectories only and on half-cut batches,
 *    and FL-DB with the authors' terminal flow; a plot of the median curves
 *    (packages/gflownet/results/convergence.svg).
 * 2. Diverse VPS explanations vs greedy VPS on held-out shapes scenes (shapes-grounder, the
 *    largest object's query at the model's best box, default settings): best sampled F vs
 *    greedy's first M regions, diversity, forward passes.
 * Results go to packages/gflownet/results/results.json after every run (a rerun skips what is
 * there); --from-results re-renders; --only KEY,... reruns those keys.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from '@gradloc/tensor-backend';
import { compareMethods, type LossName, type MethodReport, type TerminalFlow } from '@gradloc/gflownet';
import { generateScene, openGrounder, splitSeed, toRGBA8 } from '@gradloc/models';
import { explainDiverse, OnnxGrounder } from '@gradloc/vps-search';
import { replaceSection } from '@gradloc/bench-kit';
import { frame, H, M, span, svgDocument, W } from './svg.js';
import { arg, has } from './args.js';

interface Variant {
  readonly key: string;
  readonly env: string;
  readonly method: LossName;
  readonly label: string;
  readonly steps: number;
  readonly incomplete?: number;
  readonly terminalFlow?: TerminalFlow;
}

const ENVS = [
  { env: 'set-small', steps: 2000, exit: false },
  { env: 'set-exact', steps: 1000, exit: false },
  { env: 'hypergrid', steps: 2000, exit: true },
] as const;
const METHODS: readonly [LossName, string][] = [
  ['tb', 'TB'],
  ['db', 'DB'],
  ['fldb', 'FL-DB'],
  ['subtb', 'SubTB(0.9)'],
  ['flsubtb', 'FL-SubTB(0.9)'],
];

const VARIANTS: Variant[] = ENVS.flatMap(({ env, steps, exit }) => [
  ...METHODS.map(([method, label]) => ({ key: `${env}:${method}`, env, method, label, steps })),
  { key: `${env}:fldb-incomplete`, env, method: 'fldb' as const, label: 'FL-DB, incomplete trajectories only', steps, incomplete: 1 },
  { key: `${env}:fldb-half`, env, method: 'fldb' as const, label: 'FL-DB, half of each batch cut short', steps, incomplete: 0.5 },
  ...(exit ? [] : [{ key: `${env}:fldb-authors`, env, method: 'fldb' as const, label: "FL-DB, authors' terminal flow (learned)", steps, terminalFlow: 'learned' as const }]),
]);

interface VpsRow {
  readonly scene: number;
  readonly query: string;
  readonly regions: number;
  readonly size: number;
  readonly best: number;
  readonly scores: readonly number[];
  readonly greedy: number;
  readonly diversity: number;
  readonly passes: number;
  readonly greedyPasses: number;
  readonly fullGreedyPasses: number;
}

interface Results {
  generatedAt: string;
  machine: string;
  runs: Record<string, MethodReport & { readonly label: string; readonly seconds: number }>;
  vps?: readonly VpsRow[];
}

const PACKAGE = fileURLToPath(new URL('../../../packages/gflownet/', import.meta.url));
const RESULTS = join(PACKAGE, 'results', 'results.json');
const PLOT = join(PACKAGE, 'results', 'convergence.svg');

function save(r: Results): void {
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(`${RESULTS}.tmp`, `${JSON.stringify(r, null, 1)}\n`);
  renameSync(`${RESULTS}.tmp`, RESULTS);
}

async function measure(r: Results, only: readonly string[]): Promise<void> {
  for (const v of VARIANTS) {
    if (only.length ? !only.includes(v.key) : r.runs[v.key]) continue;
    const t0 = performance.now();
    const [rep] = await compareMethods({ env: v.env, methods: [v.method], seeds: 3, steps: v.steps, evalEvery: v.steps / 40, incomplete: v.incomplete, terminalFlow: v.terminalFlow });
    r.runs[v.key] = { ...rep, label: v.label, seconds: (performance.now() - t0) / 1000 };
    save(r);
    console.log(`${v.key}: steps to threshold ${rep.steps_to_threshold} (${rep.per_seed_steps_to_threshold.join(', ')}), final ${rep.final.toFixed(4)}`);
  }
  if (r.vps && !only.includes('vps')) return;
  const detector = new OnnxGrounder(await openGrounder('shapes-grounder'));
  const rows: VpsRow[] = [];
  try {
    for (let s = 0; s < 6; s++) {
      const scene = generateScene(splitSeed('test', s));
      const o = scene.objects[scene.largest];
      const query = `a ${o.colour} ${o.shape}`;
      const rgba = toRGBA8(scene);
      const rgb = new Uint8Array(scene.width * scene.height * 3);
      for (let i = 0; i < scene.width * scene.height; i++) for (let c = 0; c < 3; c++) rgb[3 * i + c] = rgba[4 * i + c];
      const d = await explainDiverse({ detector, image: { width: scene.width, height: scene.height, data: rgb }, query, k: 4, compareGreedy: true, seed: s });
      const n = d.regions;
      rows.push({
        scene: s,
        query,
        regions: n,
        size: d.size,
        best: d.explanations[0].value,
        scores: d.explanations.map((e) => e.value),
        greedy: d.greedy!.value,
        diversity: d.diversity,
        passes: d.forwardPasses,
        greedyPasses: d.greedy!.forwardPasses,
        fullGreedyPasses: 2 + n * (n + 1),
      });
      console.log(`vps scene ${s} (${query}): best ${d.explanations[0].value.toFixed(3)} vs greedy ${d.greedy!.value.toFixed(3)}, diversity ${d.diversity.toFixed(3)}, ${d.forwardPasses} passes`);
    }
  } finally {
    await detector.release();
  }
  r.vps = rows;
  save(r);
}

const fmt = (x: number, d = 4): string => (Number.isFinite(x) ? x.toFixed(d) : '-');

function render(r: Results): void {
  const lines: string[] = [];
  lines.push(`Medians over seeds 0, 1, 2 of runs of 16 trajectories per step (compareMethods, the code of \`gradloc gfn bench\`); exploration per method as the authors' (TB 0, DB 1, FL-DB 0.5; SubTB 1, FL-SubTB 0.5). ${r.machine}; generated ${r.generatedAt.slice(0, 10)} by \`npm run gfn-results -w @gradloc/reports\`.`);
  for (const { env } of ENVS) {
    const runs = VARIANTS.filter((v) => v.env === env && r.runs[v.key]).map((v) => r.runs[v.key]);
    if (runs.length === 0) continue;
    const m = runs[0];
    const metric = m.metric === 'l1' ? `exact L1 (sum over terminal states) <= ${m.threshold}` : `top-100 mean reward >= ${m.threshold}`;
    lines.push('', `**${env}** (${m.steps} steps; threshold: ${metric}):`, '', '| method | steps to threshold (median) | per seed | final value | modes found | training trajectories/s |', '|---|---|---|---|---|---|');
    for (const x of runs) lines.push(`| ${x.label} | ${x.steps_to_threshold ?? 'not reached'} | ${x.per_seed_steps_to_threshold.map((s) => s ?? '-').join(', ')} | ${fmt(x.final)} | ${x.curve[x.curve.length - 1].modes} | ${Math.round(x.trajectories_per_sec)} |`);
  }
  const findings: string[] = [];
  const stt = (k: string): number => r.runs[k]?.steps_to_threshold ?? Number.POSITIVE_INFINITY;
  for (const { env } of ENVS) {
    if (!r.runs[`${env}:fldb`]) continue;
    const fl = stt(`${env}:fldb`);
    const faster = fl < stt(`${env}:db`) && fl < stt(`${env}:tb`);
    findings.push(`${env}: FL-DB reaches the threshold in ${Number.isFinite(fl) ? fl : 'more than the budget of'} steps, DB in ${Number.isFinite(stt(`${env}:db`)) ? stt(`${env}:db`) : '-'}, TB in ${Number.isFinite(stt(`${env}:tb`)) ? stt(`${env}:tb`) : '-'}: FL-DB ${faster ? '**is faster than both**' : '**is not faster than both**'}.`);
  }
  const exact = r.runs['set-exact:fldb'];
  if (exact) findings.push(`set-exact: the FL-DB sampler's exact L1 after ${exact.steps} steps is ${fmt(exact.final)} (median of 3 seeds; the issue's figure: below 0.05).`);
  for (const { env } of ENVS) {
    const inc = r.runs[`${env}:fldb-incomplete`];
    const half = r.runs[`${env}:fldb-half`];
    if (inc && half) findings.push(`${env}, incomplete trajectories: FL-DB on prefixes only ends at ${fmt(inc.final)}; with half of each batch cut short, ${fmt(half.final)} (${half.steps_to_threshold ?? 'threshold not reached'} steps to the threshold).`);
  }
  lines.push('', ...findings.map((f) => `- ${f}`));
  if (r.vps) {
    const v = r.vps;
    lines.push('', `**Diverse VPS explanations vs greedy VPS** (shapes-grounder, held-out test scenes 0-${v.length - 1}, the largest object's query at the model's best box; ${v[0].regions} SLICO regions, sets of ${v[0].size}; defaults: k = 4, beta 8, FL-DB, budget = a full greedy order's forward passes):`, '');
    lines.push('| scene | query | best sampled F | the 4 sampled F | greedy F (first M regions) | best / greedy | diversity (mean Jaccard distance) | forward passes: ours / greedy to M / full greedy |', '|---|---|---|---|---|---|---|---|');
    for (const x of v) lines.push(`| ${x.scene} | ${x.query} | ${fmt(x.best, 3)} | ${x.scores.map((s) => fmt(s, 3)).join(', ')} | ${fmt(x.greedy, 3)} | ${fmt(x.best / x.greedy, 3)} | ${fmt(x.diversity, 3)} | ${x.passes} / ${x.greedyPasses} / ${x.fullGreedyPasses} |`);
    lines.push(`| median | | ${fmt(median(v.map((x) => x.best)), 3)} | | ${fmt(median(v.map((x) => x.greedy)), 3)} | ${fmt(median(v.map((x) => x.best / x.greedy)), 3)} | ${fmt(median(v.map((x) => x.diversity)), 3)} | ${median(v.map((x) => x.passes))} / ${median(v.map((x) => x.greedyPasses))} / ${median(v.map((x) => x.fullGreedyPasses))} |`);
    lines.push('', `Greedy returns one set (diversity 0); the sampler returns 4 distinct ones, the best of them at ${fmt(median(v.map((x) => x.best / x.greedy)), 3)} of greedy's F (median), for ${fmt(median(v.map((x) => x.passes / x.greedyPasses)), 2)}x greedy's forward passes to M regions.`);
  }
  lines.push('', '![median curves over 3 seeds; dashed: the threshold](results/convergence.svg)');
  replaceSection(join(PACKAGE, 'README.md'), 'gfn-results', lines.join('\n'));
  writeFileSync(PLOT, plot(r));
}

const COLORS: Record<string, string> = { tb: '#1f77b4', db: '#ff7f0e', fldb: '#d62728', subtb: '#2ca02c', flsubtb: '#9467bd', 'fldb-incomplete': '#8c564b', 'fldb-half': '#e377c2', 'fldb-authors': '#7f7f7f' };

function plot(r: Results): string {
  const out: string[] = [];
  ENVS.forEach(({ env }, i) => {
    const keys = VARIANTS.filter((v) => v.env === env && r.runs[v.key]).map((v) => v.key);
    if (keys.length === 0) return;
    const runs = keys.map((k) => r.runs[k]);
    // L1 falls over orders of magnitude: plotted as log10, with the threshold drawn
    const l1 = runs[0].metric === 'l1';
    const y = (v: number): number => (l1 ? Math.log10(v) : v);
    const all = runs.flatMap((x) => x.curve.filter((p) => p.step > 0).map((p) => y(p.value)));
    const ax = { min: 0, max: Math.max(...runs.map((x) => x.steps)) };
    const ay = span([...all, y(runs[0].threshold)]);
    const f = frame(i * W, env, 'training steps', l1 ? 'log10 exact L1 (lower is better)' : 'top-100 mean reward (higher is better)', ax, ay);
    out.push(...f.svg);
    out.push(`<line x1="${f.px(ax.min)}" x2="${f.px(ax.max)}" y1="${f.py(y(runs[0].threshold))}" y2="${f.py(y(runs[0].threshold))}" stroke="#000" stroke-dasharray="4 3"/>`);
    keys.forEach((k, j) => {
      const x = r.runs[k];
      const c = COLORS[k.split(':')[1]] ?? '#000';
      const pts = x.curve.filter((p) => p.step > 0 && Number.isFinite(p.value));
      out.push(`<polyline fill="none" stroke="${c}" stroke-width="1.5" points="${pts.map((p) => `${f.px(p.step).toFixed(1)},${f.py(y(p.value)).toFixed(1)}`).join(' ')}"/>`);
      // legend where the curves are not: upper right for falling L1, lower right for rising rewards
      const ly = l1 ? M.t + 12 + 11 * j : H - M.b - 8 - 11 * (keys.length - 1 - j);
      out.push(`<text x="${(i + 1) * W - M.r - 6}" y="${ly}" text-anchor="end" font-size="9" fill="${c}">${x.label}</text>`);
    });
  });
  return svgDocument(ENVS.length * W, out);
}

async function main(): Promise<void> {
  const cores = cpus();
  const prev = existsSync(RESULTS) ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as Results) : undefined;
  const r: Results = prev ?? { generatedAt: '', machine: '', runs: {} };
  if (!has('from-results')) {
    r.generatedAt = new Date().toISOString();
    r.machine = `${cores.length} x ${cores[0]?.model.trim() ?? 'CPU'}, node ${process.version}, one onnxruntime thread per run`;
    await measure(r, arg('only')?.split(',') ?? []);
  }
  render(r);
  console.log(`wrote ${RESULTS}, ${PLOT} and the README section`);
}

await main();
