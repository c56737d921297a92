/**
 * `gradloc vps`: Visual Precision Search for one detection of a grounding model
 * (@gradloc/vps-search). Writes the attribution map as .npy (and an overlay PNG), prints one
 * JSON line; progress and the target on stderr.
 */
import { encodeNpy, encodePNG, GradlocError, tensor } from '@gradloc/tensor-backend';
import { BASELINES, explainDetection, explainDiverse, normalizedBox, OnnxGrounder, DEFAULT_REGIONS, SEARCHES } from '@gradloc/vps-search';
import { openGrounder } from '@gradloc/models';
import { MODELS_FLAG, modelsOption, optionalChoice, optionalInt, optionalNumber, optionalString, parseFlags, requireString, RUNTIME_FLAGS, runtimeOptions } from '../args.js';
import type { Command } from '../command.js';
import { readPicture } from '../images.js';
import { stageReporter } from '../progress.js';
import { writeFiles } from './cam-files.js';

const HELP = `Usage: gradloc vps --model NAME|PATH --image IMG.png --query TEXT [--box x0,y0,x1,y1]
                   [--regions N] [--search shortlist|greedy|lazy|coarse-to-fine] [--group-size N]
                   --out MAP.npy [--png OVERLAY.png]
                   [--division slic|grid] [--baseline black|mean|blur] [--lambda1 L] [--lambda2 L]
                   [--batch-size N] [--models DIR] [--threads N]
       gradloc vps ... --diverse K [--size M] [--budget N] [--beta B] [--seed N] [--compare-greedy]

Visual Precision Search: which sub-regions of the image a grounding model needs to keep (and
loses when removed) for one detection. Prints one JSON line: {"insertion_auc", "deletion_auc",
"forward_passes", "ms", ...}; writes the map (float32 [H, W] in [0, 1] at the image's size).

  --model M         a grounder of the models folder (shapes-grounder, shapes-grounder-gwq4), a
                    model folder with card.json, an .onnx file beside one, or a Hugging Face
                    folder of an OWL-ViT, OWLv2 or Grounding DINO export (README "Bring your
                    own model")
  --models DIR      the models folder for a name (default: $GRADLOC_MODELS, else a gradloc
                    checkout's models/)
  --query TEXT      the phrase or class to explain, e.g. "a red circle"
  --box x0,y0,x1,y1 the detection's box in pixels of the image. Default: the model's best box
                    for the query. Give a box the model does not detect to explain a miss, or
                    a wrong query at a detected box to explain a misclassification.
  --regions N       sub-regions (default ${DEFAULT_REGIONS}); --division grid for a plain grid
  --search S        shortlist (default: all regions re-scored every 32 steps, between them
                    the 2 best by their last score and the last pick's neighbours: about 6x
                    fewer forward passes than plain greedy at ~98% of its insertion AUC),
                    greedy (plain greedy, the paper's: 2 + n(n+1) passes), lazy (CELF: a
                    worse order here) or coarse-to-fine (greedy over groups of neighbouring
                    regions, then inside each); README "Searches"; --lazy is --search lazy
  --shortlist N     regions shortlist re-scores between full rounds (default 2)
  --refresh-every N shortlist's full round every N steps (default 32; 1 = plain greedy)
  --group-size N    regions per group of coarse-to-fine (default 4)
  --baseline B      what hidden pixels become (default black)
  --lambda1/2 L     weights of s_ins and 1 - s_del in F (default 1 and 1)

Diverse explanations (a GFlowNet over region sets, packages/vps-search "Diverse explanations"):
  --diverse K       sample K distinct sets of M regions that each keep the detection, in
                    proportion to F^beta; writes MAP-1.npy .. MAP-K.npy (and OVERLAY-1.png ..
                    with --png), best first, and prints {"scores":[F..],"maps":[..],
                    "diversity":..,"forward_passes":..,"ms":..,...}
  --size M          regions per set (default: an eighth of the regions)
  --budget N        detector forward passes for training and sampling (default: what a full
                    greedy order costs, 2 + n(n+1))
  --beta B          sets are sampled in proportion to F^B (default 8)
  --compare-greedy  also run greedy VPS for M steps and print its F and forward passes`;

const FLAGS = {
  model: { type: 'string' },
  image: { type: 'string' },
  query: { type: 'string' },
  box: { type: 'string' },
  regions: { type: 'string' },
  lazy: { type: 'boolean' },
  search: { type: 'string' },
  'group-size': { type: 'string' },
  shortlist: { type: 'string' },
  'refresh-every': { type: 'string' },
  out: { type: 'string' },
  png: { type: 'string' },
  division: { type: 'string' },
  baseline: { type: 'string' },
  lambda1: { type: 'string' },
  lambda2: { type: 'string' },
  'batch-size': { type: 'string' },
  diverse: { type: 'string' },
  size: { type: 'string' },
  budget: { type: 'string' },
  beta: { type: 'string' },
  seed: { type: 'string' },
  'compare-greedy': { type: 'boolean' },
  ...MODELS_FLAG,
  ...RUNTIME_FLAGS,
  help: { type: 'boolean', short: 'h' },
} as const;

/** --box x0,y0,x1,y1 in pixels, checked to lie inside the width x height image. */
export function parsePixelBox(text: string, width: number, height: number): number[] {
  const v = text.split(',').map((s) => Number(s.trim()));
  if (v.length !== 4 || v.some((x) => !Number.isFinite(x))) throw new GradlocError('BAD_INPUT', `--box must be x0,y0,x1,y1 in pixels, got '${text}'`);
  normalizedBox(v, width, height, `--box ${text}`);
  return v;
}

export const vpsCommand: Command = {
  name: 'vps',
  summary: 'Visual Precision Search: sub-region attribution of one detection of a grounding model',
  help: HELP,
  async run(argv, io) {
    const f = parseFlags('vps', argv, FLAGS);
    if (f.help) {
      io.out(HELP);
      return 0;
    }
    const spec = requireString('vps', f, 'model');
    const imagePath = requireString('vps', f, 'image');
    const query = requireString('vps', f, 'query');
    const out = requireString('vps', f, 'out');
    const png = optionalString(f, 'png');
    const regions = optionalInt('vps', f, 'regions', 2) ?? DEFAULT_REGIONS;
    const division = optionalChoice('vps', f, 'division', ['slic', 'grid'] as const);
    const baseline = optionalChoice('vps', f, 'baseline', BASELINES);
    const lambda1 = optionalNumber('vps', f, 'lambda1', 0, 1e6);
    const lambda2 = optionalNumber('vps', f, 'lambda2', 0, 1e6);
    const batchSize = optionalInt('vps', f, 'batch-size', 1);
    const diverse = optionalInt('vps', f, 'diverse', 1);
    if (diverse === undefined) for (const only of ['size', 'budget', 'beta', 'seed', 'compare-greedy']) if (f[only] !== undefined) throw new GradlocError('BAD_INPUT', `vps: --${only} needs --diverse K`);
    const chosen = optionalChoice('vps', f, 'search', SEARCHES);
    if (chosen !== undefined && f.lazy && chosen !== 'lazy') throw new GradlocError('BAD_INPUT', `vps: --lazy contradicts --search ${chosen}`);
    const search = chosen ?? (f.lazy ? 'lazy' : undefined);
    if (diverse !== undefined && (search !== undefined || ['group-size', 'shortlist', 'refresh-every'].some((k) => f[k] !== undefined))) throw new GradlocError('BAD_INPUT', 'vps: --search, --lazy, --group-size, --shortlist and --refresh-every choose the greedy search; they do not apply with --diverse');
    if (diverse !== undefined && !out.endsWith('.npy')) throw new GradlocError('BAD_INPUT', `vps: with --diverse, --out must end in .npy (MAP.npy gives MAP-1.npy ..), got '${out}'`);
    if (diverse !== undefined && png !== undefined && !png.endsWith('.png')) throw new GradlocError('BAD_INPUT', `vps: with --diverse, --png must end in .png, got '${png}'`);
    // decoded once, under the dashboard's pixel limit, before the model is opened
    const picture = await readPicture(imagePath);
    const boxText = optionalString(f, 'box');
    const box = boxText === undefined ? undefined : parsePixelBox(boxText, picture.width, picture.height);
    const source = await openGrounder(spec, { runtime: runtimeOptions('vps', f), ...modelsOption(f) });
    const detector = new OnnxGrounder(source);
    const progress = stageReporter(io, 'vps:');
    const common = { detector, image: picture, query, box, regions, division, baseline, lambda1, lambda2, batchSize };
    try {
      if (diverse !== undefined) {
        const r = await explainDiverse({
          ...common,
          k: diverse,
          size: optionalInt('vps', f, 'size', 1),
          budget: optionalInt('vps', f, 'budget', 1),
          beta: optionalNumber('vps', f, 'beta', Number.MIN_VALUE, 1e6),
          seed: optionalInt('vps', f, 'seed', 0),
          compareGreedy: f['compare-greedy'] === true,
          onProgress: (passes, budget) => progress.update('forward passes', passes, budget),
        });
        progress.done();
        io.err(`vps: ${source.name}, "${query}" at [${r.box.join(', ')}]: ${r.explanations.length} sets of ${r.size} of ${r.regions} regions, ${r.forwardPasses} forward passes`);
        const numbered = (path: string, i: number, ext: string): string => `${path.slice(0, -ext.length)}-${i + 1}${ext}`;
        const maps = r.explanations.map((_, i) => numbered(out, i, '.npy'));
        const files = r.explanations.map((e, i) => ({ path: maps[i], bytes: encodeNpy(tensor('float32', [e.map.height, e.map.width], e.map.data)) }));
        if (png) for (const [i, e] of r.explanations.entries()) files.push({ path: numbered(png, i, '.png'), bytes: await encodePNG(e.overlay) });
        writeFiles(files);
        io.out(
          JSON.stringify({
            scores: r.explanations.map((e) => e.value),
            maps,
            explanations: r.explanations.map((e) => ({ value: e.value, insertion: e.insertion, deletion: e.deletion, regions: e.regions })),
            diversity: r.diversity,
            forward_passes: r.forwardPasses,
            ms: Math.round(r.ms),
            size: r.size,
            regions: r.regions,
            score: r.score,
            missed: r.missed,
            box: r.box,
            ...(r.greedy ? { greedy: { value: r.greedy.value, regions: r.greedy.order, forward_passes: r.greedy.forwardPasses } } : {}),
          }),
        );
        return 0;
      }
      const r = await explainDetection({
        ...common,
        search,
        groupSize: optionalInt('vps', f, 'group-size', 1),
        shortlist: optionalInt('vps', f, 'shortlist', 1),
        refreshEvery: optionalInt('vps', f, 'refresh-every', 1),
        onProgress: (step, total) => progress.update('search', step, total),
      });
      progress.done();
      io.err(`vps: ${source.name}, "${query}" at [${r.box.join(', ')}] (score ${r.score.toFixed(3)} on the full image${r.missed ? ': the model does not detect it, explaining a miss' : ''})`);
      const files = [{ path: out, bytes: encodeNpy(tensor('float32', [r.map.height, r.map.width], r.map.data)) }];
      if (png) files.push({ path: png, bytes: await encodePNG(r.overlay) });
      writeFiles(files);
      io.out(
        JSON.stringify({
          insertion_auc: r.insertionAuc,
          deletion_auc: r.deletionAuc,
          forward_passes: r.forwardPasses,
          ms: Math.round(r.ms),
          highest_confidence: r.highestConfidence,
          score: r.score,
          missed: r.missed,
          regions: r.regions,
          box: r.box,
        }),
      );
      return 0;
    } finally {
      progress.done();
      await detector.release();
    }
  },
};

