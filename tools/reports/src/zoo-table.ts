/**
 * `npm run zoo-table -w @gradloc/reports`: the table of shipped models in tools/zoo/README.md,
 * read from the committed cards and files (so it cannot drift from them).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { listModels, modelsDir } from '@gradloc/models';
import { replaceSection } from '@gradloc/bench-kit';

/** What the issue asked of each model's card metric, in the table's row order. */
const TARGETS: readonly (readonly [name: string, target: string])[] = [
  ['shapes-resnet', 'accuracy >= 0.95'],
  ['shapes-vit', 'accuracy >= 0.90'],
  ['shapes-clip', 'top1 >= 0.90'],
  ['shapes-grounder', 'ap50 >= 0.80, absent low'],
  ['brown-gpt', 'report (>= 3M parameters)'],
  ['shapes-grounder-gwq4', 'ap50 drop <= 0.01 vs shapes-grounder'],
  ['sgtm-bilingual', 'ablated + calibrated: forget >= filter-bilingual + 1 nat, retain within 5% (sgtm eval)'],
  ['filter-bilingual', 'the data-filtering baseline (10% undiscovered)'],
  ['none-bilingual', 'the recovery target (no filtering)'],
  ['ofvl-rooms', 'within 5 cm/5 deg >= separate per-room models, <= 60% of their parameters (ofvl-results)'],
];
const targetOf = (name: string): string => TARGETS.find(([n]) => n === name)?.[1] ?? '';
/** Models of the table first, in its order, then any other model of the folder by name. */
const rank = (name: string): number => {
  const i = TARGETS.findIndex(([n]) => n === name);
  return i < 0 ? TARGETS.length : i;
};

const mb = (bytes: number): string => `${(bytes / 2 ** 20).toFixed(1)} MB`;
const minutes = (s: number): string => `${Math.floor(s / 60)}m${String(Math.round(s % 60)).padStart(2, '0')}s`;
const fmt = (v: number): string => (Number.isInteger(v) ? String(v) : String(Number(v.toPrecision(5))));

function dirBytes(dir: string): number {
  return readdirSync(dir, { withFileTypes: true }).reduce((s, e) => s + (e.isDirectory() ? dirBytes(join(dir, e.name)) : statSync(join(dir, e.name)).size), 0);
}

function main(): void {
  const rows = listModels()
    .sort((a, b) => rank(a.name) - rank(b.name))
    .map(({ name, dir, card: c }) => {
      // per-scene metrics (`room-1.within_5cm_5deg`, ...) stay in the card: the means are listed
      const metrics = Object.entries(c.metrics).filter(([k]) => !k.includes('.')).map(([k, v]) => `${k} ${fmt(v)}`).join(', ');
      const steps = c.quantization ? `GWQ of ${String(c.quantization.source)}` : `${c.training.steps} x ${c.training.batch}${c.training.initialisation ? `, warm start from ${c.training.initialisation.from}` : ''}`;
      return `| ${name} | ${c.parameters.toLocaleString('en-US')} | ${steps} | ${minutes(c.training.wallTimeSec)} | ${metrics} (${c.evaluation.samples} ${c.evaluation.split} samples) | ${targetOf(name)} | ${mb(dirBytes(dir))} |`;
    });
  const table = [
    '| model | parameters | steps x batch | wall time | held-out metrics (card) | asked for | files |',
    '|---|---|---|---|---|---|---|',
    ...rows,
    '',
    `All of models/: ${mb(dirBytes(modelsDir()))}. Produced by \`npm run zoo-table -w @gradloc/reports\` from the cards.`,
  ].join('\n');
  replaceSection(join(modelsDir(), '..', 'tools/zoo/README.md'), 'zoo-models', table);
  console.log(table);
}

main();
