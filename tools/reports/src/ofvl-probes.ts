/**
 * `npm run ofvl-probes -w @gradloc/reports -- --sharing adaptive|separate [--head N]
 * [--penalty L] [--seed S] [--steps N] [--every K]`: one training run off the defaults of the
 * results table (packages/ofvl-localize/README.md), evaluated like it (every held-out test frame,
 * same PnP-RANSAC). These are the settings tried to find where OFVL-MS's sharing pays on the
 * rooms: a wider per-scene head (--head), a stronger sparse penalty (--penalty), other seeds,
 * more steps, and fewer training frames per room (--every K keeps every K-th frame of the same
 * 8 training trajectories, so the rooms are covered as before with K times fewer frames).
 * Each run is appended to packages/ofvl-localize/results/probes.json (a setting already there
 * is skipped) and the README's "ofvl-probes" section is rewritten from that file;
 * --from-results only rewrites the section. A run takes ~13 min per 5000 steps on 2 cores.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { replaceSection } from '@gradloc/bench-kit';
import {
  DEFAULT_NETWORK,
  evaluateLocalizer,
  Localizer,
  modelGraph,
  SHARINGS,
  syntheticRooms,
  TRAIN_DEFAULTS,
  trainOfvl,
  type Sharing,
  type SyntheticSceneSource,
  type SceneSource,
} from '@gradloc/ofvl-localize';
import { arg, has } from './args.js';

interface Setting {
  readonly sharing: Sharing;
  readonly head: number;
  /** Sparse penalty (adaptive sharing only; undefined = the default). */
  readonly penalty?: number;
  readonly seed: number;
  readonly steps: number;
  readonly every: number;
}

interface Probe extends Setting {
  readonly generatedAt: string;
  readonly machine: string;
  readonly trainSec: number;
  readonly shared: readonly boolean[];
  readonly parameters: number;
  readonly within5cm5deg: number;
  readonly medianTranslationCm: number;
  readonly medianRotationDeg: number;
  readonly scenes: readonly { readonly scene: string; readonly within5cm5deg: number; readonly medianTranslationCm: number }[];
  /** Training cell error (m) per scene over the last 10% of steps. */
  readonly finalTrainErrorM?: Readonly<Record<string, number>>;
  /** Runs made before this script existed say so (same calls, a one-off form of it). */
  readonly note?: string;
}

const PACKAGE = fileURLToPath(new URL('../../../packages/ofvl-localize/', import.meta.url));
const README = join(PACKAGE, 'README.md');
const RESULTS = join(PACKAGE, 'results', 'probes.json');
/** The rooms of the results table. */
const DATA = { kind: 'synthetic' as const, seed: 1, rooms: 4, train: 400, test: 100 };

function numberArg(name: string, fallback: number, ok: (x: number) => boolean): number {
  const raw = arg(name);
  if (raw === undefined) return fallback;
  const x = Number(raw);
  if (!ok(x)) throw new Error(`--${name} ${raw} is not valid`);
  return x;
}

const sameSetting = (a: Setting, b: Setting): boolean =>
  a.sharing === b.sharing && a.head === b.head && a.penalty === b.penalty && a.seed === b.seed && a.steps === b.steps && a.every === b.every;

const load = (): Probe[] => (existsSync(RESULTS) ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as Probe[]) : []);

function save(probes: readonly Probe[]): void {
  mkdirSync(dirname(RESULTS), { recursive: true });
  writeFileSync(`${RESULTS}.tmp`, `${JSON.stringify(probes, null, 1)}\n`);
  renameSync(`${RESULTS}.tmp`, RESULTS);
}

/** Every `every`-th training frame of a room (test frames unchanged). */
function thinned(room: SyntheticSceneSource, every: number): SceneSource {
  if (every === 1) return room;
  const count = { train: Math.floor(room.count.train / every), test: room.count.test };
  return {
    name: room.name,
    intrinsics: room.intrinsics,
    plan: room.plan,
    count,
    frame: (split, index) => room.frame(split, split === 'train' ? index * every : index),
    poses: async (split) => (split === 'train' ? (await room.poses('train')).filter((_, i) => i % every === 0 && i / every < count.train) : room.poses(split)),
  };
}

async function run(s: Setting): Promise<Probe> {
  const scenes = syntheticRooms({ seed: DATA.seed, rooms: DATA.rooms, train: DATA.train, test: DATA.test }).map((r) => thinned(r, s.every));
  const label = `${s.sharing} head ${s.head}`;
  const result = await trainOfvl({
    scenes,
    sharing: s.sharing,
    steps: s.steps,
    seed: s.seed,
    network: { ...DEFAULT_NETWORK, headHidden: s.head },
    ...(s.penalty !== undefined ? { penalty: s.penalty } : {}),
    onProgress: (p) => {
      if (p.phase === 'train' && p.step % 500 === 0) console.log(`${label}: step ${p.step}/${p.steps}, error ${Object.values(p.error).map((e) => e.toFixed(3)).join(' ')} m, ${Math.round(p.etaSec)} s left`);
    },
  });
  const localizer = new Localizer(modelGraph(result, scenes, DATA), `probe (${label})`);
  try {
    const ev = await evaluateLocalizer(localizer, scenes, {});
    const cores = cpus();
    return {
      ...s,
      generatedAt: new Date().toISOString(),
      machine: `${cores.length} x ${cores[0]?.model.trim() ?? 'CPU'}, node ${process.version}, default onnxruntime threads`,
      trainSec: result.wallTimeSec,
      shared: result.shared,
      parameters: ev.parameters,
      within5cm5deg: ev.mean.within5cm5deg,
      medianTranslationCm: ev.mean.medianTranslationCm,
      medianRotationDeg: ev.mean.medianRotationDeg,
      scenes: ev.scenes.map((x) => ({ scene: x.scene, within5cm5deg: x.within5cm5deg, medianTranslationCm: x.medianTranslationCm })),
      finalTrainErrorM: result.finalError,
    };
  } finally {
    await localizer.release();
  }
}

const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

function settingText(p: Setting): string {
  const parts = [
    p.head !== DEFAULT_NETWORK.headHidden ? `head ${p.head}` : '',
    p.penalty !== undefined ? `penalty ${p.penalty}` : '',
    p.seed !== 0 ? `seed ${p.seed}` : '',
    p.steps !== TRAIN_DEFAULTS.steps ? `${p.steps} steps` : '',
    p.every !== 1 ? `every ${p.every}th train frame (${Math.floor(DATA.train / p.every)} per room)` : '',
  ].filter(Boolean);
  return parts.join(', ') || 'defaults';
}

/**
 * Weights the separate models of a head width store (conv weights, BatchNorm scale and shift,
 * the head), counted from the network's shape; checked against every separate run measured.
 */
function separateParameters(head: number, probes: readonly Probe[]): number {
  const layers = DEFAULT_NETWORK.layers;
  const convs = layers.reduce((n, l, i) => n + l.cout * (i === 0 ? 3 : layers[i - 1].cout) * l.k * l.k + 2 * l.cout, 0);
  const last = layers[layers.length - 1].cout;
  const count = DATA.rooms * (convs + last * head + head + head * 4 + 4);
  const measured = probes.find((p) => p.sharing === 'separate' && p.head === head);
  if (measured && measured.parameters !== count) throw new Error(`separate models with head ${head}: counted ${count} parameters, measured ${measured.parameters}`);
  return count;
}

/** An adaptive run against the target: at most 60% of the separate models' parameters and at least their accuracy. */
function targetVerdict(p: Probe, separate: Probe | undefined, separateCount: number): string {
  const misses = [
    p.parameters > 0.6 * separateCount ? `${pct(p.parameters / separateCount)} of the parameters` : '',
    separate && p.within5cm5deg < separate.within5cm5deg ? `separate ${pct(separate.within5cm5deg)}` : '',
  ].filter(Boolean);
  if (misses.length) return `not met (${misses.join('; ')})`;
  return separate ? 'met' : 'size met; no separate run of this setting';
}

function render(probes: readonly Probe[]): void {
  // the separate run an adaptive one is measured against: same head, seed, steps and data
  const rival = (p: Probe): Probe | undefined => probes.find((q) => q.sharing === 'separate' && sameSetting({ ...p, sharing: 'separate', penalty: undefined }, q));
  const sorted = [...probes].sort((a, b) => settingText(a).localeCompare(settingText(b)) || a.sharing.localeCompare(b.sharing));
  const rows = sorted.map((p) => {
    const sep = separateParameters(p.head, probes);
    const share = ` (${pct(p.parameters / sep)})`;
    const r = p.sharing === 'adaptive' ? rival(p) : undefined;
    const verdict = p.sharing !== 'adaptive' ? '' : targetVerdict(p, r, sep);
    const train = p.finalTrainErrorM ? Object.values(p.finalTrainErrorM).map((e) => (e * 100).toFixed(1)).join(' / ') : 'not recorded';
    return `| ${settingText(p)} | ${p.sharing} | ${pct(p.within5cm5deg)} | ${p.medianTranslationCm.toFixed(1)} cm, ${p.medianRotationDeg.toFixed(2)}° | ${p.parameters.toLocaleString('en-US')}${share} | \`${p.shared.map((s) => (s ? 'S' : 'p')).join('')}\` | ${train} | ${(p.trainSec / 60).toFixed(1)} min | ${verdict} |`;
  });
  const dates = [...new Set(probes.map((p) => p.generatedAt.slice(0, 10)))].sort();
  const notes = [...new Set(probes.flatMap((p) => (p.note ? [p.note] : [])))];
  const body = [
    `Settings tried off the defaults above, each one training run on the same rooms and test frames (${probes[0]?.machine ?? ''}; ${dates.length > 1 ? `${dates[0]} to ${dates[dates.length - 1]}` : dates[0] ?? ''}); written by \`npm run ofvl-probes -w @gradloc/reports\` from packages/ofvl-localize/results/probes.json. "Target" compares an adaptive run with the separate models of the same setting (at least their accuracy, at most 60% of their parameters).${notes.length ? ` ${notes.join(' ')}` : ''}`,
    '',
    '| setting | sharing | within 5 cm/5° | median | parameters (of separate) | layers | training cell error (cm, per room) | training time | target |',
    '|---|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n');
  replaceSection(README, 'ofvl-probes', body);
}

async function main(): Promise<void> {
  const probes = load();
  if (!has('from-results')) {
    const sharing = (arg('sharing') ?? 'adaptive') as Sharing;
    if (!SHARINGS.includes(sharing)) throw new Error(`--sharing ${sharing} is not one of ${SHARINGS.join(', ')}`);
    const positiveInt = (x: number): boolean => Number.isInteger(x) && x >= 1;
    const penaltyRaw = arg('penalty');
    if (penaltyRaw !== undefined && sharing !== 'adaptive') throw new Error('--penalty applies to adaptive sharing only');
    const setting: Setting = {
      sharing,
      head: numberArg('head', DEFAULT_NETWORK.headHidden, positiveInt),
      ...(penaltyRaw !== undefined ? { penalty: numberArg('penalty', TRAIN_DEFAULTS.penalty, (x) => Number.isFinite(x) && x >= 0) } : {}),
      seed: numberArg('seed', 0, (x) => Number.isInteger(x) && x >= 0),
      steps: numberArg('steps', TRAIN_DEFAULTS.steps, positiveInt),
      every: numberArg('every', 1, positiveInt),
    };
    if (probes.some((p) => sameSetting(p, setting))) {
      console.log(`${settingText(setting)} (${sharing}) is already in ${RESULTS}: not run again`);
    } else {
      const probe = await run(setting);
      probes.push(probe);
      save(probes);
      console.log(`${settingText(setting)} (${sharing}): ${pct(probe.within5cm5deg)} within 5 cm/5 deg, median ${probe.medianTranslationCm.toFixed(1)} cm, ${probe.parameters} parameters`);
    }
  }
  if (!probes.length) throw new Error(`no probes in ${RESULTS}: run one first`);
  render(probes);
  console.log('wrote the README section');
}

await main();
