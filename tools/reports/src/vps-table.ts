/**
 * `npm run vps-table -w @gradloc/reports`: the table in packages/vps-search's README. On
 * held-out shapes scenes, three groups of detections of the shipped shapes-grounder:
 * - correct: a query naming a present object, whose best box has IoU >= 0.5 with it and
 *   score >= 0.5 (target: that box);
 * - misclassified: a query naming NO object, whose best box still scores >= 0.2 on an object
 *   of another colour or shape (IoU >= 0.5; target: the wrong query at that box);
 * - missed: a query naming a present object, scoring < 0.2 at the object's true box (target:
 *   the true box).
 * For each: VPS (64 SLICO regions, the default search), box Grad-CAM (cam-explain) and D-RISE (1000
 * masks), all scored the same way: regions revealed / removed in order of the method's
 * attribution, insertion / deletion AUC of the target score over the revealed / removed area.
 * Every search (greedy, lazy, coarse-to-fine, shortlist) also runs on each detection: their
 * forward passes and AUCs go into the README's searches table.
 * Flags: --per-group N (default 10), --scan N scenes (default 500), --regions N, --dry-run,
 * --from-results (re-render the saved results without measuring).
 */
import { join } from 'node:path';
import { cxcywhToXyxy, iou, OnnxModel, type Box, type PlanarImage } from '@gradloc/tensor-backend';
import { boxGradCam, dRise, searchDetection, faithfulness, OnnxGrounder, orderByMap, orderCurves, SetEvaluator, baselineImage, divide, DEFAULT_SEARCH, SEARCHES, type DetectionTarget, type SearchKind, type VpsResult } from '@gradloc/vps-search';
import { generateSplitBatch, GROUNDER_QUERIES, groundingQueries, modelDir, openGrounder, queryIds, queryPhrases } from '@gradloc/models';
import { replaceSection } from '@gradloc/bench-kit';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';

type Group = 'correct' | 'misclassified' | 'missed';
interface Case {
  readonly group: Group;
  readonly scene: number;
  readonly target: DetectionTarget;
  readonly score: number;
}

const flag = (name: string, dflt: number): number => {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? dflt : Number(process.argv[i + 1]);
};
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** One pass of the grounder over scenes with all 42 queries, sorting (scene, query) pairs into the groups. */
async function findCases(model: OnnxModel, scan: number, perGroup: number): Promise<Case[]> {
  const phrases = queryPhrases('indefinite');
  const ids = queryIds('indefinite', model.graph.inputs.find((i) => i.name === 'input_ids')!.dims![1] as number);
  const found: Record<Group, Case[]> = { correct: [], misclassified: [], missed: [] };
  for (let s = 0; s < scan && Object.values(found).some((c) => c.length < perGroup); s++) {
    const { images, scenes } = generateSplitBatch('test', s, 1);
    const scene = scenes[0];
    const out = await model.run({ pixel_values: images, input_ids: ids }, ['logits', 'pred_boxes']);
    const [, P, Q] = out.logits.dims;
    const lg = out.logits.data as Float32Array;
    const bx = out.pred_boxes.data as Float32Array;
    const boxOf = (p: number): Box => cxcywhToXyxy(bx[4 * p], bx[4 * p + 1], bx[4 * p + 2], bx[4 * p + 3]);
    const norm = (b: readonly number[]): Box => [b[0] / scene.width, b[1] / scene.height, b[2] / scene.width, b[3] / scene.height];
    const present = new Map(groundingQueries(scene).positives.map((g) => [`${g.colour} ${g.shape}`, g.boxes.map(norm)]));
    for (let q = 0; q < Q; q++) {
      const { colour, shape } = GROUNDER_QUERIES[q];
      let best = 0;
      for (let p = 1; p < P; p++) if (lg[p * Q + q] > lg[best * Q + q]) best = p;
      const score = sigmoid(lg[best * Q + q]);
      const box = boxOf(best);
      const truth = present.get(`${colour} ${shape}`);
      const add = (group: Group, target: Box, sc: number): void => {
        if (found[group].length < perGroup) found[group].push({ group, scene: s, target: { query: phrases[q], box: target }, score: sc });
      };
      if (truth) {
        if (score >= 0.5 && truth.some((t) => iou(t, box) >= 0.5)) add('correct', box, score);
        for (const t of truth) {
          let atBox = 0;
          for (let p = 0; p < P; p++) atBox = Math.max(atBox, iou(boxOf(p), t) * sigmoid(lg[p * Q + q]));
          if (atBox < 0.2) add('missed', t, atBox);
        }
      } else if (score >= 0.2 && [...present.values()].flat().some((t) => iou(t, box) >= 0.5)) add('misclassified', box, score);
    }
  }
  return [...found.correct, ...found.misclassified, ...found.missed];
}

interface Row {
  readonly group: Group;
  readonly method: string;
  readonly insertion: number;
  readonly deletion: number;
  readonly highest: number;
  /** Wall time of that explanation (noisy; not in the README table). */
  readonly ms: number;
}

async function measure(): Promise<Results> {
  const perGroup = flag('per-group', 10);
  const scan = flag('scan', 500);
  const regionsWanted = flag('regions', 64);
  const runtime = { threads: 2 };
  const source = await openGrounder('shapes-grounder', { runtime });
  const cases = await findCases(source.model, scan, perGroup);
  const detector = new OnnxGrounder({ model: source.model, encodeQuery: source.encodeQuery, owns: false });
  const rows: Row[] = [];
  const searches: SearchRow[][] = [];
  for (const [i, c] of cases.entries()) {
    const { images } = generateSplitBatch('test', c.scene, 1);
    const image: PlanarImage = { data: images.data as Float32Array, height: detector.height, width: detector.width };
    // every search on the same detection (the searches table); the VPS row is the default search's
    const bySearch = new Map<SearchKind, VpsResult>();
    for (const search of SEARCHES) bySearch.set(search, await searchDetection({ detector, image, target: c.target, regions: regionsWanted, search }));
    searches.push(SEARCHES.map((search) => {
      const m = bySearch.get(search)!.metrics;
      return { search, passes: m.forwardPasses, insertion: m.insertionAuc, deletion: m.deletionAuc };
    }));
    const vps = bySearch.get(DEFAULT_SEARCH)!;
    rows.push({ group: c.group, method: 'VPS', insertion: vps.metrics.insertionAuc, deletion: vps.metrics.deletionAuc, highest: vps.metrics.highestConfidence, ms: vps.metrics.ms });
    // the baselines are scored on the same regions and baseline image as VPS
    const regions = divide(image, vps.regions);
    const baseline = baselineImage(image, 'black');
    const ev = new SetEvaluator(detector, image, baseline, regions, c.target, {}, 32);
    const score = async (method: string, map: Float32Array, ms: number): Promise<void> => {
      const f = faithfulness(await orderCurves(ev, orderByMap(regions, map)));
      rows.push({ group: c.group, method, insertion: f.insertionAuc, deletion: f.deletionAuc, highest: f.highestConfidence, ms });
    };
    const cam = await boxGradCam(detector, image, c.target, { name: source.camLayer ?? 'vision.blocks.3' });
    await score('Grad-CAM (box)', cam.map, cam.ms);
    const drise = await dRise(detector, image, baseline, c.target, { masks: 1000 });
    await score('D-RISE', drise.map, drise.ms);
    console.log(`${i + 1}/${cases.length} ${c.group} scene ${c.scene} "${c.target.query}" score ${c.score.toFixed(3)}: VPS ins ${vps.metrics.insertionAuc.toFixed(3)} del ${vps.metrics.deletionAuc.toFixed(3)}`);
  }
  await detector.release();
  await source.model.release();
  const root = join(modelDir('shapes-grounder'), '..', '..');
  const result: Results = { perGroup, scan, regions: regionsWanted, cases, rows, searches };
  if (!process.argv.includes('--dry-run')) {
    mkdirSync(join(root, 'tools/reports/results'), { recursive: true });
    writeFileSync(join(root, RESULTS), `${JSON.stringify(result, null, 2)}\n`);
  }
  return result;
}

/** One search's cost and curves on one detection. */
interface SearchRow {
  readonly search: SearchKind;
  readonly passes: number;
  readonly insertion: number;
  readonly deletion: number;
}

interface Results {
  readonly perGroup: number;
  readonly scan: number;
  readonly regions: number;
  readonly cases: readonly Case[];
  readonly rows: readonly Row[];
  /** Per case, every search (VPS's row above is DEFAULT_SEARCH's). */
  readonly searches: readonly (readonly SearchRow[])[];
}

const RESULTS = 'tools/reports/results/vps-table.json';

/** The README section from measured results (timings are the benchmark's business: machines are noisy). */
function render(r: Results): string {
  const { cases, rows, scan } = r;
  const groups: Group[] = ['correct', 'misclassified', 'missed'];
  const methods = ['VPS', 'Grad-CAM (box)', 'D-RISE'];
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const lines = ['| group | cases | method | insertion AUC (higher is better) | deletion AUC (lower is better) | highest confidence |', '|---|---|---|---|---|---|'];
  const verdicts: string[] = [];
  for (const g of groups) {
    const n = cases.filter((c) => c.group === g).length;
    if (n === 0) {
      lines.push(`| ${g} | 0 | (no such detections among ${scan} test scenes) | | | |`);
      continue;
    }
    const stats = methods.map((m) => {
      const rs = rows.filter((x) => x.group === g && x.method === m);
      return { m, ins: mean(rs.map((x) => x.insertion)), del: mean(rs.map((x) => x.deletion)), hi: mean(rs.map((x) => x.highest)) };
    });
    for (const st of stats) lines.push(`| ${g} | ${n} | ${st.m} | ${st.ins.toFixed(4)} | ${st.del.toFixed(4)} | ${st.hi.toFixed(4)} |`);
    const bestIns = stats.reduce((a, b) => (b.ins > a.ins ? b : a)).m;
    const bestDel = stats.reduce((a, b) => (b.del < a.del ? b : a)).m;
    verdicts.push(`- ${g}: best insertion AUC ${bestIns}, best deletion AUC ${bestDel}.`);
  }
  return [
    `shapes-grounder (FP32), held-out test scenes, ${r.regions} SLICO regions, black baseline, l1 = l2 = 1. Every method is scored on the same regions: revealed (insertion) or removed (deletion) in order of its attribution, AUC over the image area.`,
    '',
    ...lines,
    '',
    ...verdicts,
    '',
    'Produced by `npm run vps-table -w @gradloc/reports` (results: tools/reports/results/vps-table.json; `-- --from-results` re-renders them without measuring).',
  ].join('\n');
}

/** The searches compared on the same detections: passes and AUCs as means, and as ratios to plain greedy's. */
function renderSearches(r: Results): string {
  const mean = (xs: number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;
  const of = (search: SearchKind, pick: (x: SearchRow) => number): number => mean(r.searches.map((rows) => pick(rows.find((x) => x.search === search)!)));
  const greedy = { passes: of('greedy', (x) => x.passes), ins: of('greedy', (x) => x.insertion) };
  const lines = ['| search | forward passes (mean) | fewer than plain greedy | insertion AUC | % of plain greedy\'s | deletion AUC |', '|---|---|---|---|---|---|'];
  for (const search of SEARCHES) {
    const passes = of(search, (x) => x.passes);
    const ins = of(search, (x) => x.insertion);
    const name = search === DEFAULT_SEARCH ? `${search} (default)` : search;
    lines.push(`| ${name} | ${passes.toFixed(0)} | ${(greedy.passes / passes).toFixed(2)}x | ${ins.toFixed(4)} | ${((ins / greedy.ins) * 100).toFixed(1)}% | ${of(search, (x) => x.deletion).toFixed(4)} |`);
  }
  return [
    `The ${r.searches.length} detections of the table above (shapes-grounder, ${r.regions} SLICO regions, black baseline, l1 = l2 = 1), every search on each; "fewer" and "%" are ratios of the means.`,
    '',
    ...lines,
    '',
    'Produced by `npm run vps-table -w @gradloc/reports` with the table above.',
  ].join('\n');
}

async function main(): Promise<void> {
  const root = join(modelDir('shapes-grounder'), '..', '..');
  const results = process.argv.includes('--from-results') ? (JSON.parse(readFileSync(join(root, RESULTS), 'utf8')) as Results) : await measure();
  const table = render(results);
  const searches = renderSearches(results);
  console.log(`${table}\n\n${searches}`);
  if (!process.argv.includes('--dry-run')) {
    const readme = join(root, 'packages/vps-search/README.md');
    replaceSection(readme, 'vps-table', table);
    replaceSection(readme, 'vps-searches', searches);
  }
}

await main();
