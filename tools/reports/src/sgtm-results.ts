/**
 * `npm run sgtm-results -w @gradloc/reports`: the figures of packages/sgtm-train's README.
 * 1. Trade-off: SGTM, gradient routing, data filtering and no filtering trained at
 *    undiscovered rates {0, 1, 10, 50}% (no filtering uses no labels: one run serves every
 *    rate), per seed; each scored on the test splits: full model, and after removal
 *    (ablation + calibration for SGTM and routing; filtering and no filtering as trained).
 * 2. Recovery: the shipped sgtm-bilingual (ablated) and none-bilingual after RMU, fine-tuned
 *    on a 50/50 forget/retain mix until their forget loss reaches none-bilingual's (the same
 *    function as `gradloc sgtm finetune-recovery`).
 * Results are saved after every run (packages/sgtm-train/results/tradeoff.json) and a rerun
 * skips runs already there, so an interrupted sweep resumes; the SVG plot and the README
 * section are rendered from the file. Flags: --steps N (default 1000), --seeds 1,2,
 * --rates 0,1,10,50, --eval-windows N (default 512 per language), --recovery-steps N
 * (default 400), --from-results (render only), --skip-recovery.
 */
import { cpus } from 'node:os';
import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { trainBilingualTokenizer } from '@gradloc/models';
import {
  ablate,
  buildSgtmGpt,
  calibrate,
  domainLosses,
  domainStreams,
  METHODS,
  openSgtmModel,
  recoveryRun,
  resultsPath,
  SGTM_MODEL,
  trainSgtm,
  type Method,
  type SgtmResults,
  type TradeoffPoint,
  type TradeoffRun,
} from '@gradloc/sgtm-train';
import { replaceSection } from '@gradloc/bench-kit';
import { tradeoffSvg } from './sgtm-plot.js';
import { arg, has } from './args.js';

const list = (name: string, dflt: number[]): number[] => (arg(name) ? arg(name)!.split(',').map(Number) : dflt);

const README = fileURLToPath(new URL('../../../packages/sgtm-train/README.md', import.meta.url));
const SVG = join(dirname(resultsPath()), 'tradeoff.svg');

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
};

function save(r: SgtmResults): void {
  mkdirSync(dirname(resultsPath()), { recursive: true });
  writeFileSync(`${resultsPath()}.tmp`, `${JSON.stringify(r, null, 2)}\n`);
  renameSync(`${resultsPath()}.tmp`, resultsPath());
}

function load(): SgtmResults | undefined {
  try {
    return JSON.parse(readFileSync(resultsPath(), 'utf8')) as SgtmResults;
  } catch {
    return undefined;
  }
}

function pointsOf(runs: readonly TradeoffRun[]): TradeoffPoint[] {
  const out: TradeoffPoint[] = [];
  for (const method of METHODS) {
    for (const rate of [...new Set(runs.filter((r) => r.method === method).map((r) => r.undiscoveredPercent))].sort((a, b) => a - b)) {
      const rs = runs.filter((r) => r.method === method && r.undiscoveredPercent === rate);
      out.push({ method, undiscoveredPercent: rate, retain_loss: median(rs.map((r) => r.removed.retain_loss)), forget_loss: median(rs.map((r) => r.removed.forget_loss)), seeds: rs.length });
    }
  }
  return out;
}

async function sweep(prev: SgtmResults | undefined, steps: number, seeds: number[], rates: number[], evalWindows: number): Promise<SgtmResults> {
  const tok = trainBilingualTokenizer();
  const train = domainStreams('train', tok);
  const test = domainStreams('test', tok);
  const sameSetup = prev && prev.steps === steps && prev.evalWindows === evalWindows;
  const runs: TradeoffRun[] = sameSetup ? [...prev.runs] : [];
  const base = {
    generatedAt: new Date().toISOString(),
    command: `npm run sgtm-results -w @gradloc/reports -- --steps ${steps} --seeds ${seeds.join(',')} --rates ${rates.join(',')} --eval-windows ${evalWindows}`,
    machine: `${cpus().length} x ${cpus()[0]?.model.trim() ?? 'CPU'}, node ${process.version}, default onnxruntime threads`,
    steps,
    evalWindows,
  };
  const record = (): SgtmResults => ({ ...base, runs, points: pointsOf(runs), recovery: sameSetup ? prev?.recovery : undefined });
  for (const seed of seeds) {
    for (const method of METHODS) {
      const methodRates = method === 'none' ? [rates[0]] : rates;
      for (const rate of methodRates) {
        const done = (r: TradeoffRun): boolean => r.method === method && r.seed === seed && r.undiscoveredPercent === rate;
        if (runs.some(done)) continue;
        const t0 = performance.now();
        const r = await trainSgtm({ model: buildSgtmGpt(tok.size, seed), streams: train, method, undiscovered: rate / 100, steps, seed });
        const context = SGTM_MODEL.context;
        const opts = { context, maxWindows: evalWindows };
        const full = await domainLosses(r.model, test, opts);
        let removed = full;
        let ablatedRaw: TradeoffRun['ablatedRaw'];
        if (r.split) {
          const a = ablate(r.model, r.split.forget);
          const raw = await domainLosses(a, test, opts);
          ablatedRaw = { retain_loss: raw.retain_loss, forget_loss: raw.forget_loss };
          removed = await domainLosses(await calibrate(a, train, { context }), test, opts);
        }
        const pick = (l: { retain_loss: number; forget_loss: number }): { retain_loss: number; forget_loss: number } => ({ retain_loss: l.retain_loss, forget_loss: l.forget_loss });
        // no filtering ignores labels: its one run stands for every rate
        const asRates = method === 'none' ? rates : [rate];
        for (const u of asRates) runs.push({ method, undiscoveredPercent: u, seed, full: pick(full), removed: pick(removed), ...(ablatedRaw ? { ablatedRaw } : {}), tokensPerSec: Math.round(r.tokensPerSec) });
        save(record());
        console.log(`${method} ${rate}% seed ${seed}: retain ${removed.retain_loss.toFixed(3)} forget ${removed.forget_loss.toFixed(3)} (full ${full.retain_loss.toFixed(3)} / ${full.forget_loss.toFixed(3)}), ${((performance.now() - t0) / 1000).toFixed(0)} s`);
      }
    }
  }
  return record();
}

async function recovery(results: SgtmResults, maxSteps: number): Promise<SgtmResults> {
  const baseline = openSgtmModel('none-bilingual');
  const curve = async (model: string, rmu: boolean): Promise<NonNullable<SgtmResults['recovery']>['sgtm']> => {
    const r = await recoveryRun({ model: openSgtmModel(model), baseline, steps: maxSteps, rmu, onLog: (l) => console.log(`${model}${rmu ? ' + RMU' : ''}: ${l}`) });
    return { removal: r.removal, model, stepsToRecover: r.stepsToRecover, curve: r.curve };
  };
  const sgtm = await curve('sgtm-bilingual', false);
  const rmu = await curve('none-bilingual', true);
  const target = (await domainLosses(baseline.graph, domainStreams('test', baseline.tokenizer), { context: baseline.context, maxWindows: 128 })).forget_loss;
  const ratio = sgtm.stepsToRecover !== null && rmu.stepsToRecover ? sgtm.stepsToRecover / rmu.stepsToRecover : null;
  const next = { ...results, recovery: { target, maxSteps, sgtm, rmu, ratio } };
  save(next);
  return next;
}

const f3 = (x: number): string => x.toFixed(3);

function render(r: SgtmResults): void {
  writeFileSync(SVG, tradeoffSvg(r));
  const rates = [...new Set(r.points.map((p) => p.undiscoveredPercent))].sort((a, b) => a - b);
  const mixedSeeds = new Set(r.points.map((p) => p.seeds)).size > 1;
  const rows = METHODS.map((m) => {
    const cells = rates.map((u) => {
      const p = r.points.find((q) => q.method === m && q.undiscoveredPercent === u);
      return p ? `${f3(p.retain_loss)} / ${f3(p.forget_loss)}${mixedSeeds ? ` (${p.seeds})` : ''}` : '';
    });
    return `| ${m} | ${cells.join(' | ')} |`;
  });
  const seeds = Math.max(0, ...r.points.map((p) => p.seeds));
  const rec = r.recovery;
  const recText = rec
    ? `\n**Fine-tuning recovery** (shipped models; target: none-bilingual's forget loss ${f3(rec.target)} on 128 test windows; at most ${rec.maxSteps} steps of 32 x 64 tokens, 50/50 forget/retain, lr 5e-4, evaluated every 10 steps): ` +
      `SGTM (ablated) recovers after ${rec.sgtm.stepsToRecover ?? `more than ${rec.maxSteps}`} steps, RMU after ${rec.rmu.stepsToRecover ?? `more than ${rec.maxSteps}`}` +
      (rec.ratio !== null
        ? `: ${rec.ratio.toFixed(1)}x more steps for SGTM (the paper: 7x).`
        : rec.sgtm.stepsToRecover === null && rec.rmu.stepsToRecover
          ? `: SGTM needs more than ${(rec.maxSteps / rec.rmu.stepsToRecover).toFixed(1)}x RMU's steps (the paper: 7x); its forget loss after ${rec.maxSteps} steps is ${f3(rec.sgtm.curve.at(-1)?.forget_loss ?? NaN)}.`
          : '.') +
      `\n`
    : '';
  const body = [
    `![retain vs forget loss after removal; fine-tuning recovery](results/tradeoff.svg)`,
    '',
    `Retain / forget loss (nats, test split, ${r.evalWindows ?? 'all'} windows per language) after removal: SGTM and routing ablated + calibrated, filtering and no filtering as trained. ${r.steps} training steps per run (batches of 32 x 64 tokens), ${mixedSeeds ? 'median over the seeds in brackets (the sweep over a second seed was cut short)' : `median over ${seeds} seed(s)`}; ${r.machine}; generated ${r.generatedAt.slice(0, 10)} by \`${r.command}\`.`,
    '',
    `| method | ${rates.map((u) => `${u}% undiscovered`).join(' | ')} |`,
    `|---|${rates.map(() => '---').join('|')}|`,
    ...rows,
    recText,
  ].join('\n');
  replaceSection(README, 'sgtm-results', body);
}

async function main(): Promise<void> {
  let results = load();
  if (!has('from-results')) {
    const seeds = list('seeds', [1, 2]);
    const setup = [Number(arg('steps') ?? 1000), list('rates', [0, 1, 10, 50]), Number(arg('eval-windows') ?? 512)] as const;
    // the first seed, then recovery, then the other seeds: the headline figures come first
    results = await sweep(results, setup[0], seeds.slice(0, 1), setup[1], setup[2]);
    if (!has('skip-recovery') && !results.recovery) results = await recovery(results, Number(arg('recovery-steps') ?? 400));
    render(results);
    results = await sweep(results, setup[0], seeds, setup[1], setup[2]);
  }
  if (!results) throw new Error(`no results at ${resultsPath()}: run without --from-results first`);
  render(results);
  console.log(`wrote ${resultsPath()}, ${SVG} and the README section`);
}

await main();
