/**
 * The recipe `shapes-resnet` and `shapes-vit` share: classify the shape of a scene's largest
 * object. Every step draws fresh train-split scenes (the generator is unlimited, so there is
 * no epoch and nothing to overfit), AdamW with warm-up cosine and global-norm clipping; the
 * held-out metric is accuracy on the first `evalSamples` test-split scenes, so the card and
 * `gradloc zoo eval` score exactly the same images.
 *
 * The task has no low-order cue (shapes have equal areas, random colours, poses and places),
 * so networks first sit at chance: a recipe can start on easier scenes (`curriculum`), and a
 * model with BatchNormalization trains on batch statistics (@gradloc/tensor-backend training/batch-norm.ts).
 */
import {
  addClassificationLoss,
  fit,
  GradlocError,
  OnnxModel,
  float32,
  tensorToProto,
  type Feeds,
  type Trainer,
  type Graph,
} from '@gradloc/tensor-backend';
import { GROUNDER_QUERIES, SHAPES, SHAPES_MEAN, SHAPES_SPLITS, SHAPES_STD, splitAccuracy, testAccuracy, type Card, type Metrics, type Recipe, type ShapesOptions, type TrainOptions, type TrainReport } from '@gradloc/models';
import { countParameters, shipModel, withTrainedWeights } from '../zoo/export.js';
import { adamwTrainer, type AdamWPlan } from '../zoo/adamw-recipe.js';
import { machineDescription, recipeCommand, runSettings, runtimeFor } from '../zoo/run-info.js';
import { addAuxPatchLoss, AUX_PREFIX, AUX_TARGETS } from './common/aux-patch-loss.js';
import { hasBatchNorm, setRunningStatistics, trainingGraph } from '@gradloc/tensor-backend';
import { runningStatisticsScenes } from './common/running-statistics.js';
import { firstTrainScene, trainStream, type SceneCurriculum } from './shapes-classifier-data.js';

export const SHAPES_IMAGE_SIZE = 96;

export interface ShapesClassifierRecipe {
  readonly name: string;
  readonly summary: string;
  /** One line for the card: layers, widths, what is unusual. */
  readonly architecture: string;
  /** Forward graph `input` [batch, 3, 96, 96] -> `logits` [batch, SHAPES.length]. */
  build(seed: number): Graph;
  /** Tensors for CAM-style explanations (the last block's output). */
  readonly camLayers: readonly string[];
  /** Extra card preprocessing (e.g. how a ViT's tokens map back to the image). */
  readonly preprocessing?: Readonly<Record<string, unknown>>;
  readonly seed: number;
  readonly steps: number;
  readonly batch: number;
  readonly peakLr: number;
  /** Warm-up as a fraction of the steps, so shortened runs (--steps) keep the shape of the schedule. */
  readonly warmupFraction: number;
  readonly weightDecay: number;
  /** Parameters without weight decay. */
  readonly noDecay: RegExp;
  readonly clipNorm: number;
  /**
   * Easier scenes for the first fraction of the steps. Equal-area shapes in random poses,
   * colours and places leave no low-order cue to the label, and with up to four objects the
   * label first looks like noise: single objects let the network find shape features before
   * it has to learn which object is the largest.
   */
  readonly curriculum?: { readonly fraction: number; readonly scenes: ShapesOptions; readonly description: string };
  /** Test-split scenes the card's accuracy is measured on. */
  readonly evalSamples: number;
  /**
   * Weights started at zero (the classifier head): the first steps then learn the head on the
   * initial features instead of shrinking every feature to undo confident random logits.
   */
  readonly zeroInit?: readonly string[];
  /** Training-only dense supervision of a ViT's patch tokens (common/aux-patch-loss.ts). */
  readonly aux?: { readonly weight: number; readonly tokens: string; readonly prefixTokens: number; readonly grid: number; readonly dim: number };
}

/** Scenes per batch when measuring BatchNorm running statistics (divides runningStatisticsScenes). */
const RUNNING_STATISTICS_BATCH = 100;
/** Validation scenes scored a few times during training, for the progress log only. */
const VALIDATION_SAMPLES = 500;
const VALIDATIONS_PER_RUN = 5;

/** Zero patch targets: the loss graph's aux input must be fed even when only logits are read. */
function auxPlaceholder(feeds: Feeds, grid: number | undefined): Feeds {
  return grid ? { [AUX_TARGETS]: float32([feeds.input.dims[0], grid * grid, GROUNDER_QUERIES.length]) } : {};
}

function zeroInitializers(g: Graph, names: readonly string[]): void {
  for (const name of names) {
    const t = g.initializers.get(name);
    if (!t) throw new GradlocError('UNKNOWN_TENSOR', `zeroInit: no weight named '${name}'`);
    const dims = t.dims.map(Number);
    g.initializers.set(name, tensorToProto(name, { dtype: 'float32', dims, data: new Float32Array(dims.reduce((a, b) => a * b, 1)) }));
  }
}


async function train(r: ShapesClassifierRecipe, opts: TrainOptions): Promise<TrainReport> {
  const { t0, seed, steps, evalSamples, log } = runSettings(opts, r);
  const forward = r.build(seed);
  zeroInitializers(forward, r.zeroInit ?? []);
  const parameters = countParameters(forward);
  const batchNorm = hasBatchNorm(forward);
  const curriculum: SceneCurriculum | undefined = r.curriculum && { steps: Math.floor(steps * r.curriculum.fraction), scenes: r.curriculum.scenes };
  const lossGraph = addClassificationLoss(trainingGraph(forward));
  const aux = r.aux;
  if (aux) addAuxPatchLoss(lossGraph, { patches: aux.tokens, prefixTokens: aux.prefixTokens, P: aux.grid ** 2, dim: aux.dim, weight: aux.weight, loss: 'loss', seed });
  const { trainer, plan } = adamwTrainer(lossGraph, r, steps, seed, opts.threads);
  log(`${parameters} parameters; ${steps} steps of ${r.batch} fresh scenes`);

  // never more than the final evaluation: quick looks (--eval-samples 100) stay quick
  const validationSamples = Math.min(VALIDATION_SAMPLES, evalSamples);
  const validate = async (t: Trainer): Promise<Metrics> => ({
    val_accuracy: await splitAccuracy('validation', validationSamples, async (feeds) => (await t.evaluate({ ...feeds, ...auxPlaceholder(feeds, aux?.grid) }, ['logits'])).logits),
  });
  await fit({
    trainer,
    train: trainStream(seed, r.batch, steps, curriculum, aux?.grid),
    steps,
    // scenes are drawn while onnxruntime runs the previous step (the stream is not resumed)
    prefetch: true,
    evalEvery: Math.max(1, Math.ceil(steps / VALIDATIONS_PER_RUN)),
    evaluate: validate,
    onProgress: (p) =>
      opts.onProgress?.({ step: p.step, total: p.total, loss: p.loss, lr: p.lr, throughput: p.samplesPerSec, unit: 'samples', etaSec: p.etaSec, metrics: p.metrics }),
  });

  withTrainedWeights(forward, trainer, AUX_PREFIX);
  if (batchNorm) {
    log(`BatchNorm running statistics from ${runningStatisticsScenes(steps * r.batch)} train scenes`);
    await setRunningStatistics(forward, trainStream(seed, RUNNING_STATISTICS_BATCH, runningStatisticsScenes(steps * r.batch) / RUNNING_STATISTICS_BATCH), runtimeFor(opts.threads));
  }
  log(`scoring ${evalSamples} test scenes`);
  const metrics = { accuracy: await testAccuracy(OnnxModel.fromGraph(forward, runtimeFor(opts.threads)), evalSamples) };
  const wallTimeSec = Math.round((performance.now() - t0) / 100) / 10;
  shipModel(opts.outDir, forward, classifierCard(r, { seed, steps, evalSamples, describe: plan.describe, curriculum, batchNorm, parameters, metrics, wallTimeSec, threads: opts.threads }));
  log(`test accuracy ${metrics.accuracy.toFixed(4)} in ${wallTimeSec} s`);
  return { metrics, wallTimeSec, steps };
}

interface RunFacts {
  readonly seed: number;
  readonly steps: number;
  readonly evalSamples: number;
  /** The optimiser's card lines. */
  readonly describe: AdamWPlan['describe'];
  readonly curriculum: SceneCurriculum | undefined;
  readonly batchNorm: boolean;
  readonly parameters: number;
  readonly metrics: Metrics;
  readonly wallTimeSec: number;
  readonly threads: number | undefined;
}

/** card.json of a finished run: every field from the recipe or measured in the run. */
function classifierCard(r: ShapesClassifierRecipe, run: RunFacts): Card {
  const { seed, steps, evalSamples, curriculum, batchNorm } = run;
  const first = firstTrainScene(seed);
  const data = [
    `fresh shapes train-split scenes every step: indices ${first} + step * ${r.batch} .., label = SHAPES index of the largest object`,
    ...(curriculum ? [`steps 1..${curriculum.steps}: ${r.curriculum?.description}`] : []),
    ...(r.aux
      ? [`plus ${r.aux.weight} x an auxiliary sigmoid focal loss of a linear head on every patch token predicting the colour-shape of the object centred there (the grounder's targets; training only, not in the shipped graph)`]
      : []),
    ...(batchNorm ? [`BatchNorm trained on batch statistics, running statistics then measured on train scenes ${first}..${first + runningStatisticsScenes(steps * r.batch) - 1}`] : []),
  ];
  return {
    name: r.name,
    task: 'image classification: the shape of the largest object in a `shapes` scene',
    architecture: r.architecture,
    parameters: run.parameters,
    inputs: [{ name: 'input', dtype: 'float32', dims: ['batch', 3, SHAPES_IMAGE_SIZE, SHAPES_IMAGE_SIZE], meaning: 'RGB scene, NCHW, normalised per channel' }],
    outputs: [{ name: 'logits', dtype: 'float32', dims: ['batch', SHAPES.length], meaning: 'unnormalised class scores, in `labels` order' }],
    preprocessing: {
      size: SHAPES_IMAGE_SIZE,
      layout: 'NCHW RGB, pixel values in [0, 1] before normalisation',
      normalization: { mean: SHAPES_MEAN, std: SHAPES_STD, formula: '(x - mean) / std per channel' },
      ...r.preprocessing,
    },
    labels: SHAPES,
    camLayers: r.camLayers,
    training: {
      command: recipeCommand(r.name, { seed, steps, evalSamples }, r),
      seed,
      steps,
      batch: r.batch,
      optimizer: run.describe.optimizer,
      schedule: run.describe.schedule,
      data: data.join('; '),
      wallTimeSec: run.wallTimeSec,
      machine: machineDescription(run.threads),
    },
    metrics: run.metrics,
    evaluation: {
      command: `npx gradloc zoo eval ${r.name}`,
      split: 'test',
      samples: evalSamples,
      notes: `test-split scenes 0..${evalSamples - 1} (seeds from ${SHAPES_SPLITS.test.start}), top-1 accuracy`,
    },
  };
}

/** The recipe as a zoo entry (its model is evaluated by @gradloc/models' evaluateModel, with the testAccuracy used here). */
export function shapesClassifier(r: ShapesClassifierRecipe): Recipe {
  return { name: r.name, summary: r.summary, train: (opts) => train(r, opts) };
}
