/**
 * `npm run cam-table -w @gradloc/reports`: every cam-explain method on the shipped shapes
 * classifiers, scored on the same held-out scenes, written into packages/cam-explain/README.md
 * (between the cam-table markers) and tools/reports/results/cam-table.json.
 *
 * Scenes: test-split scenes 0..N-1 (N = 100, or --scenes N). Target: the logit of the TRUE
 * class (the shape of the largest object); its softmax probability is the score the metrics
 * track. Pointing game: strict (tolerance 0; the 15 px of the paper was meant for ~224 px
 * images, a sixth of these 96 px scenes), the box of the largest object only, since that is
 * the object the label is about. Deletion replaces pixels with 0 in the model's input space
 * (the dataset mean colour, the inputs being standardised); insertion starts from a blur.
 * Every metric is cam-explain's own (metricsReport), with its defaults.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { GradlocError } from '@gradloc/tensor-backend';
import { classTarget, createMethod, METHOD_NAMES, metricsReport, type LayerSpec, type PixelBox } from '@gradloc/cam-explain';
import { generateSplitBatch, openClassifier, type OpenedClassifier } from '@gradloc/models';
import { replaceSection } from '@gradloc/bench-kit';

const MODELS = ['shapes-resnet', 'shapes-vit'];
const CHUNK = 10;

interface Row {
  readonly method: string;
  readonly pointing_game: number;
  readonly insertion_auc: number;
  readonly deletion_auc: number;
  readonly ms_per_image: number;
}

function layersOf(c: OpenedClassifier): LayerSpec[] {
  const tokens = c.card.preprocessing.camTokens as { prefixTokens: number; grid: [number, number] } | undefined;
  if (c.camLayers.length === 0) throw new GradlocError('BAD_MODEL', `${c.name}'s card names no camLayers`);
  return c.camLayers.map((l) => ({ name: l, tokens: tokens ? { prefixTokens: tokens.prefixTokens, grid: tokens.grid } : undefined }));
}

async function scoreModel(name: string, scenes: number): Promise<Row[]> {
  const classifier = openClassifier(name, { runtime: { threads: 2 } });
  const { model } = classifier;
  const layers = layersOf(classifier);
  const rows: Row[] = [];
  for (const method of METHOD_NAMES) {
    const sums = { pointing_game: 0, insertion_auc: 0, deletion_auc: 0, ms: 0 };
    for (let start = 0; start < scenes; start += CHUNK) {
      const count = Math.min(CHUNK, scenes - start);
      const { images, labels, scenes: annotations } = generateSplitBatch('test', start, count);
      const feeds = { [classifier.input]: classifier.prepare(images) };
      const target = classTarget({ output: classifier.output, classes: [...labels] });
      const t0 = performance.now();
      const result = await createMethod(method).explain({ model, feeds, target, layers });
      sums.ms += performance.now() - t0;
      const boxes: PixelBox[][] = annotations.map((s) => [s.objects[s.largest].box as PixelBox]);
      const m = await metricsReport({ model, feeds, target }, result, { boxes, tolerance: 0 });
      sums.pointing_game += (m.pointing_game ?? 0) * count;
      sums.insertion_auc += (m.insertion_auc ?? 0) * count;
      sums.deletion_auc += (m.deletion_auc ?? 0) * count;
    }
    const row = { method, pointing_game: sums.pointing_game / scenes, insertion_auc: sums.insertion_auc / scenes, deletion_auc: sums.deletion_auc / scenes, ms_per_image: sums.ms / scenes };
    console.error(`${name} ${method}: ${JSON.stringify(row)}`);
    rows.push(row);
  }
  await model.release();
  return rows;
}

function markdown(results: Record<string, Row[]>, scenes: number, models: readonly string[]): string {
  const f = (v: number): string => v.toFixed(3);
  const head = `| method | ${models.map((m) => `${m} pointing | ins AUC | del AUC | ms/img`).join(' | ')} |`;
  const rule = `|---|${models.map(() => '---|---|---|---').join('|')}|`;
  const lines = METHOD_NAMES.map((method) => {
    const cells = models.map((m) => {
      const r = results[m].find((x) => x.method === method)!;
      return `${f(r.pointing_game)} | ${f(r.insertion_auc)} | ${f(r.deletion_auc)} | ${r.ms_per_image.toFixed(0)}`;
    });
    return `| ${method} | ${cells.join(' | ')} |`;
  });
  const best = (m: string, key: 'pointing_game' | 'insertion_auc' | 'deletion_auc', low = false): string => {
    const rs = results[m];
    const r = rs.reduce((a, b) => ((low ? b[key] < a[key] : b[key] > a[key]) ? b : a));
    return `${r.method} (${f(r[key])})`;
  };
  const notes = models.map((m) => `- ${m}: best pointing ${best(m, 'pointing_game')}, best insertion ${best(m, 'insertion_auc')}, best (lowest) deletion ${best(m, 'deletion_auc', true)}.`);
  return [
    `Test-split scenes 0..${scenes - 1}, true class; pointing = strict pointing game on the largest object's box (higher is better), ins/del AUC = insertion (higher is better) / deletion (lower is better) AUC of the class probability, 50 steps; ms/img = the method's time per image (batches of ${CHUNK}, 2 threads). Produced by \`npm run cam-table -w @gradloc/reports\`.`,
    '',
    head,
    rule,
    ...lines,
    '',
    ...notes,
  ].join('\n');
}

async function main(): Promise<void> {
  const flag = (name: string): string | undefined => {
    const i = process.argv.indexOf(name);
    return i > 0 ? process.argv[i + 1] : undefined;
  };
  const scenes = Number(flag('--scenes') ?? 100);
  if (!Number.isInteger(scenes) || scenes < 1) throw new GradlocError('BAD_INPUT', '--scenes needs a positive integer');
  // --models a,b and --dry-run (print, do not write) for quick looks
  const models = flag('--models')?.split(',') ?? MODELS;
  const results: Record<string, Row[]> = {};
  for (const m of models) results[m] = await scoreModel(m, scenes);
  const table = markdown(results, scenes, models);
  if (process.argv.includes('--dry-run')) {
    console.log(table);
    return;
  }
  const root = join(import.meta.dirname, '..', '..', '..');
  mkdirSync(join(root, 'tools/reports/results'), { recursive: true });
  writeFileSync(join(root, 'tools/reports/results/cam-table.json'), `${JSON.stringify({ scenes, results }, null, 2)}\n`);
  replaceSection(join(root, 'packages/cam-explain/README.md'), 'cam-table', table);
  console.log(table);
}

await main();
