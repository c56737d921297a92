/**
 * `shapes-grounder`: open-vocabulary grounding in the style of OWL-ViT (grounder/architecture.ts)
 * trained on fresh train-split scenes with the focal + L1 + GIoU loss (grounder/loss.ts).
 * Every step scores all 42 colour + shape phrases; the phrase form ("a red circle",
 * "the red circle", "red circle") rotates from step to step so all three work. Each object
 * is assigned to the patch holding its box centre (grounder/targets.ts). The card's metrics
 * (@gradloc/models' grounder evaluation) are measured on the shipped forward graph, as
 * `evaluateModel` (`gradloc zoo eval`) does.
 */
import { fit, float32, OnnxModel, planarFromRgb, type Feeds, type Tensor } from '@gradloc/tensor-backend';
import {
  ALL_BACKGROUNDS,
  evaluateGrounder,
  generateScene,
  generateSplitBatch,
  GROUNDER_OOD_SCENES,
  splitSeed,
  toRGB8,
  type SceneAnnotation,
  type ShapesOptions,
  grounderCardMetrics,
  grounderForward,
  NMS_IOU,
  PHRASE_FORMS,
  queryIds,
  queryPhrases,
  roundCardMetric,
  SHAPES_MEAN,
  SHAPES_SPLITS,
  SHAPES_STD,
  shapesVocabulary,
  type GrounderForward,
  type GrounderScores,
  type PhraseForm,
  type Recipe,
  type TrainOptions,
  type TrainReport,
} from '@gradloc/models';
import { shipModel, withTrainedWeights } from '../zoo/export.js';
import { registerModel } from '../zoo/registry.js';
import { machineDescription, recipeCommand, runSettings, runtimeFor } from '../zoo/run-info.js';
import { lossTraining } from './common/loss-trainer.js';
import { buildGrounder, GROUNDER_CONFIG } from './grounder/architecture.js';
import { describeStem } from './common/conv-stem.js';
import { hasBatchNorm, setRunningStatistics } from '@gradloc/tensor-backend';
import { runningStatisticsScenes } from './common/running-statistics.js';
import { addGrounderLoss, LOSS_WEIGHTS } from './grounder/loss.js';
import { grounderTargets } from './grounder/targets.js';

const NAME = 'shapes-grounder';

export const SHAPES_GROUNDER_RECIPE = {
  seed: 0,
  steps: 4000,
  batch: 32,
  /**
   * Scenes of each batch drawn wider than the default ones: every background (plain greys,
   * noise, photo-like textures too), objects from 8 px to most of the image, rendered at a
   * random size and resized to the input, as pictures of other sizes are when served.
   */
  wideScenes: 16,
  wide: { backgrounds: ALL_BACKGROUNDS, minObjectSize: 8, maxObjectSize: 72 } satisfies ShapesOptions,
  /** Render sizes of the wide scenes, in pixels (square; resized to the input). */
  wideSizes: [48, 64, 96, 128, 160, 192],
  peakLr: 1e-3,
  /** Fraction of the steps, so a shortened run (--steps) keeps the schedule's shape. */
  warmupFraction: 0.05,
  weightDecay: 0.05,
  /** Biases, norms, embeddings and the logit scale/shift are not decayed. */
  noDecay: /bias$|norm|bn\.weight$|pos_emb|tok_emb|cls_token|logit_/,
  clipNorm: 1,
  /** Test-split scenes the card's metrics are measured on. */
  evalSamples: 500,
  /** Validation scenes scored during training (progress only). */
  validationSamples: 100,
  validations: 5,
} as const;

/** Each seed trains on its own stretch of the train split, so seeds differ in data as well as init. */
const SCENES_PER_SEED = 1_000_000;
const firstTrainIndex = (seed: number): number => (seed * SCENES_PER_SEED) % SHAPES_SPLITS.train.count;

/**
 * The training graph also takes the loss's inputs, which onnxruntime wants fed even when only
 * logits and boxes are asked for: zeros (any values give the same forward outputs).
 */
function lossPlaceholders(pixels: Tensor, queries: number): Feeds {
  const batch = pixels.dims[0];
  const P = (GROUNDER_CONFIG.imageSize / GROUNDER_CONFIG.patch) ** 2;
  return { cls_targets: float32([batch, P, queries]), box_targets: float32([batch, P, 4]), box_weights: float32([batch, P]) };
}

const score = (forward: GrounderForward, split: 'validation' | 'test', samples: number, form?: PhraseForm, scenes?: ShapesOptions): Promise<GrounderScores> =>
  evaluateGrounder(forward, { split, samples, maxLen: GROUNDER_CONFIG.maxLen, form, scenes });

/** The wide scenes start this far into a seed's stretch of the train split (disjoint from the default ones). */
const WIDE_OFFSET = SCENES_PER_SEED / 2;

/** A wide train scene at the input size: rendered at its own size, 8-bit, resized (bilinear). */
function wideScene(index: number, size: number): { image: Float32Array; scene: SceneAnnotation } {
  const r = SHAPES_GROUNDER_RECIPE;
  const render = r.wideSizes[index % r.wideSizes.length];
  const s = generateScene(splitSeed('train', index), { ...r.wide, size: render });
  const picture = { width: s.width, height: s.height, data: toRGB8(s) };
  const { image: _image, ...scene } = s;
  return { image: planarFromRgb(picture, size, size).data, scene };
}

/**
 * Batches of fresh train scenes; the phrase form rotates per step. Each batch starts with
 * (batch - wideScenes) default scenes and ends with wide ones (their boxes stay in their own
 * pixels: targets are normalised by each scene's size).
 */
function* trainFeeds(first: number, batch: number): Generator<Feeds> {
  const cfg = GROUNDER_CONFIG;
  const grid = cfg.imageSize / cfg.patch;
  const ids = PHRASE_FORMS.map((f) => queryIds(f, cfg.maxLen));
  const wide = Math.min(batch, SHAPES_GROUNDER_RECIPE.wideScenes);
  const plain = batch - wide;
  const per = 3 * cfg.imageSize * cfg.imageSize;
  for (let s = 0; ; s++) {
    const base = generateSplitBatch('train', first + s * plain, plain);
    const data = new Float32Array(batch * per);
    data.set(base.images.data as Float32Array);
    const scenes: SceneAnnotation[] = [...base.scenes];
    for (let k = 0; k < wide; k++) {
      const w = wideScene(first + WIDE_OFFSET + s * wide + k, cfg.imageSize);
      data.set(w.image, (plain + k) * per);
      scenes.push(w.scene);
    }
    yield { pixel_values: float32([batch, 3, cfg.imageSize, cfg.imageSize], data), input_ids: ids[s % ids.length], ...grounderTargets(scenes, grid) };
  }
}

async function train(opts: TrainOptions): Promise<TrainReport> {
  const r = SHAPES_GROUNDER_RECIPE;
  const { t0, seed, steps, evalSamples, log } = runSettings(opts, r);
  const cfg = GROUNDER_CONFIG;
  const { forward, parameters, trainer, plan } = lossTraining((sd) => buildGrounder(cfg, sd), addGrounderLoss, r, { seed, steps }, opts.threads);
  const first = firstTrainIndex(seed);
  log(`${parameters} parameters; ${steps} steps of ${r.batch} scenes x 42 queries from train index ${first}`);
  await fit({
    trainer,
    train: trainFeeds(first, r.batch),
    steps,
    evalEvery: Math.max(1, Math.ceil(steps / r.validations)),
    evaluate: async (t) => {
      const run = grounderForward((f, outputs) => t.evaluate({ ...f, ...lossPlaceholders(f.pixel_values, f.input_ids.dims[0]) }, outputs));
      // never more than the final evaluation, so quick runs stay quick
      const n = Math.min(r.validationSamples, evalSamples);
      const m = grounderCardMetrics(await score(run, 'validation', n), await score(run, 'validation', n, undefined, GROUNDER_OOD_SCENES));
      return { val_ap50: m.ap50, val_ap50_ood: m.ap50_ood, val_absent_max_score: m.absent_max_score };
    },
    onProgress: (p) => opts.onProgress?.({ ...p, throughput: p.samplesPerSec, unit: 'samples' }),
  });

  withTrainedWeights(forward, trainer);
  await trainer.release();
  if (hasBatchNorm(forward)) {
    const bnScenes = runningStatisticsScenes(steps * r.batch);
    log(`BatchNorm running statistics from ${bnScenes} train scenes`);
    await setRunningStatistics(forward, trainFeeds(first, r.batch), runtimeFor(opts.threads), Math.ceil(bnScenes / r.batch));
  }
  log(`scoring ${evalSamples} test scenes`);
  const model = OnnxModel.fromGraph(forward, runtimeFor(opts.threads));
  const run = grounderForward((f, outputs) => model.run(f, outputs));
  const scores = await score(run, 'test', evalSamples);
  const metrics = grounderCardMetrics(scores, await score(run, 'test', evalSamples, undefined, GROUNDER_OOD_SCENES));
  // the other phrase forms, for the card's notes only
  const [definite, bare] = [await score(run, 'test', evalSamples, 'definite'), await score(run, 'test', evalSamples, 'bare')];
  await model.release();
  const wallTimeSec = Math.round((performance.now() - t0) / 100) / 10;
  const grid = cfg.imageSize / cfg.patch;
  const P = grid * grid;
  shipModel(opts.outDir, forward, {
    name: NAME,
    task: 'open-vocabulary grounding (OWL-ViT style): an image and free-text queries -> a score and a box per (patch, query)',
    architecture:
      `ViT image tower (${cfg.stem.length > 0 ? `${describeStem(cfg.stem)}, then ` : ''}${cfg.imageSize}px, ${cfg.patch}px patches = ${grid}x${grid} tokens + class token, width ${cfg.dim}, ${cfg.depth} pre-LN blocks, ${cfg.heads} heads); ` +
      `each patch token -> linear ${cfg.embed}, L2-normalised; transformer text tower (width ${cfg.textDim}, ${cfg.textDepth} blocks, ${cfg.textHeads} heads, padding mask, masked mean pool) -> linear ${cfg.embed}, L2-normalised; ` +
      'logits[b, p, q] = exp(logit_scale) * cosine(patch p, query q) + logit_shift; ' +
      `box head: MLP(${cfg.dim}-${cfg.dim}) -> linear 4 on each patch token, added to the patch's prior (its centre, 2 patches wide) in logit space, then sigmoid`,
    parameters,
    inputs: [
      { name: 'pixel_values', dtype: 'float32', dims: ['batch', 3, cfg.imageSize, cfg.imageSize], meaning: 'RGB scenes, NCHW, raw values in [0, 1] (standardised inside the graph)' },
      { name: 'input_ids', dtype: 'int64', dims: ['queries', cfg.maxLen], meaning: 'query phrases as shapes-vocabulary ids: <bos> words <eos>, padded with 0' },
    ],
    outputs: [
      { name: 'logits', dtype: 'float32', dims: ['batch', P, 'queries'], meaning: 'score of query q at patch p; sigmoid gives a probability' },
      { name: 'pred_boxes', dtype: 'float32', dims: ['batch', P, 4], meaning: 'box of the object at patch p: (cx, cy, w, h) as fractions of the image width/height' },
    ],
    preprocessing: {
      size: cfg.imageSize,
      layout: 'NCHW RGB, pixel values in [0, 1]; the graph applies (x - mean) / std per channel itself',
      normalization: { mean: SHAPES_MEAN, std: SHAPES_STD, in: 'graph (node pixel_norm)' },
      patches: { patch: cfg.patch, grid, order: 'patch p = row * grid + column (row-major); the class token is dropped' },
      tokenizer: `shapes tokenizePhrase(text, ${cfg.maxLen}): lower-cased words (punctuation dropped), <bos> ... <eos>, padded with <pad> = 0; ids are positions in 'vocabulary'`,
      vocabulary: shapesVocabulary(),
      queries: queryPhrases('indefinite'),
      postprocessing: `scores = sigmoid(logits); per query, NMS at IoU ${NMS_IOU} over the patches' boxes; boxes in pixels = (cx - w/2, cy - h/2, cx + w/2, cy + h/2) * image size`,
    },
    camLayers: [`vision.blocks.${cfg.depth - 1}`],
    training: {
      command: recipeCommand(NAME, { seed, steps, evalSamples }, r),
      seed,
      steps,
      batch: r.batch,
      optimizer: plan.describe.optimizer,
      schedule: plan.describe.schedule,
      data:
        `${r.batch} fresh train-split scenes per step from index ${first} on, scored against all 42 colour + shape phrases; phrase form by step % 3: "a red circle", "the red circle", "red circle". ` +
        `Of each batch, ${r.wideScenes} scenes are wide ones (from index ${first + WIDE_OFFSET}): any of ${r.wide.backgrounds.join(', ')} backgrounds, objects ${r.wide.minObjectSize}-${r.wide.maxObjectSize} px (equal-area diameter at 96 px), rendered at ${r.wideSizes.join('/')} px, made 8-bit and resized (bilinear) to ${cfg.imageSize} px. ` +
        'Targets: each object -> the patch containing its box centre (the one with more visible pixels wins a shared patch), class target 1 for its phrase, box target its (cx, cy, w, h); ' +
        'the box target also on the centre patch\'s neighbours whose centres lie inside the box (larger objects first, assigned patches kept). ' +
        `Loss: sigmoid focal (alpha 0.25, gamma 2) over all (patch, query) pairs / class targets + (L1 + GIoU on patches with a box target) / those patches, weights ${LOSS_WEIGHTS.cls} : ${LOSS_WEIGHTS.l1} : ${LOSS_WEIGHTS.giou}` +
        (hasBatchNorm(forward) ? `; the stem's BatchNorm trained on batch statistics, running statistics then measured on the first ${runningStatisticsScenes(steps * r.batch)} scenes of the stream` : ''),
      wallTimeSec,
      machine: machineDescription(opts.threads),
    },
    metrics,
    evaluation: {
      command: `npx gradloc zoo eval ${NAME}`,
      split: 'test',
      samples: evalSamples,
      notes:
        `test-split scenes 0..${evalSamples - 1} (seeds from ${SHAPES_SPLITS.test.start}), the 42 queries in the form "a red circle". ` +
        `Per scene and query: scores = sigmoid(logits[0, :, q]), the 32 best patches -> NMS at IoU ${NMS_IOU} -> at most 10 detections. ` +
        'ap50: per query, all-point AP at IoU 0.5 over the scenes where it names a present object (truth: boxes of every matching object; detections from those scenes), then the mean over queries. ' +
        'absent_max_score: per (scene, query naming nothing in it), the max score over patches; the mean over all such pairs. ' +
        `ap50_ood: the same ap50 on the out-of-distribution split (the test seeds drawn with ${JSON.stringify(GROUNDER_OOD_SCENES)}: plain backgrounds, large objects). ` +
        `At training time: absent max-score p95 ${roundCardMetric(scores.absentP95)}, max ${roundCardMetric(scores.absentMax)}; present queries' mean max score ${roundCardMetric(scores.presentMean)}; ` +
        `ap50 with "the red circle" ${roundCardMetric(definite.ap50)}, with "red circle" ${roundCardMetric(bare.ap50)}`,
    },
  });
  log(`test ap50 ${metrics.ap50}, absent_max_score ${metrics.absent_max_score} in ${wallTimeSec} s`);
  return { metrics, wallTimeSec, steps };
}

export const shapesGrounder: Recipe = {
  name: NAME,
  summary: 'OWL-ViT-style grounder: image + text queries -> per-patch scores and boxes',
  train,
};

registerModel(shapesGrounder);
