/**
 * `npm run ofvl-results -w @gradloc/reports`: the results table of packages/ofvl-localize's
 * README. Four ways to train one localizer for the synthetic rooms, same data, steps, batches,
 * seed and schedule, each evaluated on every held-out test frame with the same PnP-RANSAC:
 * - OFVL-MS: layer-adaptive sharing + gradient normalization + sparse penalty (the shipped
 *   models/ofvl-rooms when its card says it was trained with these steps and seed: the table
 *   then shows exactly what `gradloc localize eval --model ofvl-rooms` prints);
 * - adaptive sharing without gradient normalization (shared gradients summed);
 * - all conv layers shared (per-scene BatchNorm and head only);
 * - separate: one model per scene (nothing shared).
 * Results are saved after every run (packages/ofvl-localize/results/baselines.json) and a rerun
 * skips runs already there; a run cut short continues from its checkpoint. Flags: --steps N (default the
 * training default), --seed N (default 0), --only a,b (config keys), --from-results (render only).
 */
import { cpus, tmpdir } from 'node:os';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readCard, type Card } from '@gradloc/models';
import { dataOf, evaluateLocalizer, openLocalizer, TRAIN_DEFAULTS, trainRoomsModel, type Sharing } from '@gradloc/ofvl-localize';
import { replaceSection } from '@gradloc/bench-kit';
import { arg, has } from './args.js';

interface Config {
  readonly key: string;
  readonly label: string;
  readonly sharing: Sharing;
  readonly normalize: boolean;
}

const CONFIGS: readonly Config[] = [
  { key: 'ofvl-ms', label: 'OFVL-MS: adaptive sharing + gradient normalization', sharing: 'adaptive', normalize: true },
  { key: 'adaptive-no-gn', label: 'adaptive sharing, no gradient normalization', sharing: 'adaptive', normalize: false },
  { key: 'shared', label: 'all layers shared', sharing: 'shared', normalize: true },
  { key: 'separate', label: 'separate model per scene', sharing: 'separate', normalize: true },
];

interface SceneRow {
  readonly scene: string;
  readonly within5cm5deg: number;
  readonly medianTranslationCm: number;
  readonly medianRotationDeg: number;
}

interface Run {
  readonly key: string;
  readonly scenes: readonly SceneRow[];
  readonly mean: Omit<SceneRow, 'scene'>;
  readonly parameters: number;
  readonly trainSec: number;
  readonly sharedLayers: string;
  /** Where the model came from: the shipped folder or a run of this script. */
  readonly source: string;
}

interface Results {
  readonly generatedAt: string;
  readonly command: string;
  readonly machine: string;
  readonly steps: number;
  readonly seed: number;
  readonly testFrames: number;
  readonly runs: readonly Run[];
}


const PACKAGE = fileURLToPath(new URL('../../../packages/ofvl-localize/', import.meta.url));
const README = join(PACKAGE, 'README.md');
const RESULTS = join(PACKAGE, 'results', 'baselines.json');
const SHIPPED = 'ofvl-rooms';

function save(r: Results): void {
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(`${RESULTS}.tmp`, `${JSON.stringify(r, null, 2)}\n`);
  renameSync(`${RESULTS}.tmp`, RESULTS);
}

function load(): Results | undefined {
  if (!existsSync(RESULTS)) return undefined;
  return JSON.parse(readFileSync(RESULTS, 'utf8')) as Results;
}

const layersText = (shared: readonly boolean[]): string => shared.map((s) => (s ? 'S' : 'p')).join('');

function runOf(key: string, ev: Awaited<ReturnType<typeof evaluateLocalizer>>, trainSec: number, shared: readonly boolean[], source: string): Run {
  const row = (s: Omit<SceneRow, 'scene'>): Omit<SceneRow, 'scene'> => ({ within5cm5deg: s.within5cm5deg, medianTranslationCm: s.medianTranslationCm, medianRotationDeg: s.medianRotationDeg });
  return { key, scenes: ev.scenes.map((s) => ({ scene: s.scene, ...row(s) })), mean: row(ev.mean), parameters: ev.parameters, trainSec, sharedLayers: layersText(shared), source };
}

/** The shipped model stands for the OFVL-MS row when its card matches the sweep's setup. */
async function shippedRun(steps: number, seed: number): Promise<Run | undefined> {
  let opened: ReturnType<typeof openLocalizer>;
  try {
    opened = openLocalizer(SHIPPED);
  } catch {
    return undefined;
  }
  const { localizer, dir } = opened;
  try {
    const card = readCard(dir) as Card & { readonly ofvl?: { readonly shared?: boolean[] } };
    if (card.training.steps !== steps || card.training.seed !== seed) return undefined;
    const ev = await evaluateLocalizer(localizer, await dataOf(localizer));
    return runOf('ofvl-ms', ev, card.training.wallTimeSec, card.ofvl?.shared ?? [], `models/${SHIPPED}`);
  } finally {
    await localizer.release();
  }
}

async function sweep(prev: Results | undefined, steps: number, seed: number, only: readonly string[]): Promise<Results> {
  const same = prev && prev.steps === steps && prev.seed === seed;
  const runs: Run[] = same ? [...prev.runs] : [];
  const cores = cpus();
  const base = {
    generatedAt: new Date().toISOString(),
    command: `npm run ofvl-results -w @gradloc/reports${steps !== TRAIN_DEFAULTS.steps ? ` -- --steps ${steps}` : ''}${seed !== 0 ? ` --seed ${seed}` : ''}`,
    machine: `${cores.length} x ${cores[0]?.model.trim() ?? 'CPU'}, node ${process.version}, default onnxruntime threads`,
    steps,
    seed,
    testFrames: 100,
  };
  for (const c of CONFIGS.filter((x) => only.length === 0 || only.includes(x.key))) {
    if (runs.some((r) => r.key === c.key)) continue;
    const t0 = performance.now();
    let run = c.key === 'ofvl-ms' ? await shippedRun(steps, seed) : undefined;
    if (!run) {
      const out = mkdtempSync(join(tmpdir(), `ofvl-${c.key}-`));
      try {
        const r = await trainRoomsModel({
          outDir: out,
          name: c.key,
          sharing: c.sharing,
          normalize: c.normalize,
          steps,
          seed,
          // a sweep killed mid-run continues that run where it stopped
          checkpoint: { dir: join(tmpdir(), 'gradloc-ofvl-results', `${c.key}-${steps}-${seed}`) },
          onProgress: (p) => {
            if (p.phase === 'train' && (p.step % 500 === 0 || p.step === p.steps)) console.log(`${c.key}: step ${p.step}/${p.steps}, error ${Object.values(p.error).map((e) => e.toFixed(3)).join(' ')} m, ${Math.round(p.etaSec)} s left`);
          },
        });
        run = runOf(c.key, r.evaluation, r.result.wallTimeSec, r.result.shared, 'this script');
      } finally {
        rmSync(out, { recursive: true, force: true });
      }
    }
    runs.push(run);
    save({ ...base, runs });
    console.log(`${c.key}: ${(run.mean.within5cm5deg * 100).toFixed(1)}% within 5 cm/5 deg, median ${run.mean.medianTranslationCm.toFixed(1)} cm / ${run.mean.medianRotationDeg.toFixed(2)} deg, ${run.parameters} parameters (${((performance.now() - t0) / 1000).toFixed(0)} s)`);
  }
  return { ...base, runs };
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;
const cm = (x: number): string => (Number.isFinite(x) ? x.toFixed(1) : 'inf');
const deg = (x: number): string => (Number.isFinite(x) ? x.toFixed(2) : 'inf');

function render(r: Results): void {
  const runs = CONFIGS.flatMap((c) => r.runs.filter((x) => x.key === c.key).map((x) => ({ c, x })));
  const scenes = runs[0]?.x.scenes.map((s) => s.scene) ?? [];
  const separate = r.runs.find((x) => x.key === 'separate');
  const cell = (s: Omit<SceneRow, 'scene'>): string => `${pct(s.within5cm5deg)}, ${cm(s.medianTranslationCm)} cm, ${deg(s.medianRotationDeg)}°`;
  const rows = runs.map(({ c, x }) => {
    const share = separate ? ` (${pct(x.parameters / separate.parameters)})` : '';
    return `| ${c.label} | ${scenes.map((s) => cell(x.scenes.find((q) => q.scene === s)!)).join(' | ')} | **${cell(x.mean)}** | ${x.parameters.toLocaleString('en-US')}${share} | \`${x.sharedLayers}\` | ${(x.trainSec / 60).toFixed(1)} min |`;
  });
  const worst = (x: Run): SceneRow => x.scenes.reduce((a, b) => (b.within5cm5deg < a.within5cm5deg || (b.within5cm5deg === a.within5cm5deg && b.medianTranslationCm > a.medianTranslationCm) ? b : a));
  const findings: string[] = [];
  const ms = r.runs.find((x) => x.key === 'ofvl-ms');
  const noGn = r.runs.find((x) => x.key === 'adaptive-no-gn');
  if (ms && separate) {
    findings.push(`OFVL-MS vs separate models: ${pct(ms.mean.within5cm5deg)} vs ${pct(separate.mean.within5cm5deg)} within 5 cm/5°, median ${cm(ms.mean.medianTranslationCm)} vs ${cm(separate.mean.medianTranslationCm)} cm, storing ${pct(ms.parameters / separate.parameters)} of their parameters.`);
    const accuracy = ms.mean.within5cm5deg >= separate.mean.within5cm5deg;
    const size = ms.parameters <= 0.6 * separate.parameters;
    findings.push(`The issue's target (mean within 5 cm/5° at least the separate models', at most 60% of their parameters): ${accuracy && size ? 'met' : `**not met** (${[accuracy ? '' : 'accuracy', size ? '' : 'parameters'].filter(Boolean).join(' and ')})`}.`);
  }
  if (ms && noGn) {
    const a = worst(noGn);
    const b = ms.scenes.find((s) => s.scene === a.scene)!;
    findings.push(`Worst scene without gradient normalization: ${a.scene} (${pct(a.within5cm5deg)}, ${cm(a.medianTranslationCm)} cm); with it: ${pct(b.within5cm5deg)}, ${cm(b.medianTranslationCm)} cm. Worst scene with it: ${worst(ms).scene} (${pct(worst(ms).within5cm5deg)}, ${cm(worst(ms).medianTranslationCm)} cm).`);
  }
  const body = [
    `Held-out test frames (${r.testFrames} per room, 2 trajectories never seen in training), per room: share within 5 cm and 5°, median translation and rotation error; mean over rooms in bold. Same data, ${r.steps} steps of 4 frames per room, seed ${r.seed}, schedule and PnP-RANSAC for every row; layers: \`S\` shared, \`p\` per scene. ${r.machine}; generated ${r.generatedAt.slice(0, 10)} by \`${r.command}\`${ms?.source.startsWith('models/') ? ` (the OFVL-MS row evaluates the shipped ${ms.source}; its training time is its card's)` : ''}.`,
    '',
    `| training | ${scenes.join(' | ')} | mean | parameters stored (of separate) | layers | training time |`,
    `|---|${scenes.map(() => '---').join('|')}|---|---|---|---|`,
    ...rows,
    '',
    ...findings.map((f) => `- ${f}`),
  ].join('\n');
  replaceSection(README, 'ofvl-results', body);
}

async function main(): Promise<void> {
  let results = load();
  if (!has('from-results')) {
    const only = arg('only')?.split(',') ?? [];
    const unknown = only.filter((k) => !CONFIGS.some((c) => c.key === k));
    if (unknown.length) throw new Error(`unknown config ${unknown.join(', ')} (known: ${CONFIGS.map((c) => c.key).join(', ')})`);
    results = await sweep(results, Number(arg('steps') ?? TRAIN_DEFAULTS.steps), Number(arg('seed') ?? 0), only);
  }
  if (!results) throw new Error(`no results at ${RESULTS}: run without --from-results first`);
  render(results);
  console.log(has('from-results') ? 'wrote the README section' : `wrote ${RESULTS} and the README section`);
}

await main();
