/**
 * Train a localization model on the synthetic rooms and ship it: <out>/model.onnx (every
 * scene's branch, `gradloc.ofvl` metadata) and <out>/card.json with the held-out metrics.
 * The folder is written only after training and evaluation succeeded.
 */
import { mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { writeCard, type Card } from '@gradloc/models';
import { saveModel } from '@gradloc/tensor-backend';
import { syntheticRooms } from '../data/synthetic/index.js';
import { evaluateLocalizer, type Evaluation } from '../eval/evaluate.js';
import { Localizer } from '../localize/localizer.js';
import { gridOf, type Sharing } from '../model/config.js';
import { coordsOutput, uncertaintyOutput } from '../model/names.js';
import { modelGraph } from '../train/model-file.js';
import { trainOfvl, TRAIN_DEFAULTS, type TrainOptions, type TrainResult } from '../train/train.js';

export interface RoomsModelOptions {
  readonly outDir: string;
  readonly name?: string;
  /** Synthetic world seed (default 1) and rooms (default 4). */
  readonly dataSeed?: number;
  readonly rooms?: number;
  readonly train?: number;
  readonly test?: number;
  readonly sharing?: Sharing;
  readonly normalize?: boolean;
  readonly steps?: number;
  /** trainOfvl's `search`: share of the steps the sharing scores train. */
  readonly search?: number;
  readonly seed?: number;
  /** Test frames per room for the card (default all). */
  readonly evalFrames?: number;
  readonly threads?: number;
  readonly command?: string;
  /** Checkpoints of the training run (trainOfvl's option): a rerun after a crash continues. */
  readonly checkpoint?: TrainOptions['checkpoint'];
  readonly onProgress?: TrainOptions['onProgress'];
  readonly onLog?: (line: string) => void;
}

export interface RoomsModelReport {
  readonly dir: string;
  readonly result: TrainResult;
  readonly evaluation: Evaluation;
  readonly metrics: Readonly<Record<string, number>>;
}

/** Card metrics: the means, then each scene's (`<scene>.within_5cm_5deg`, ...). */
export function evaluationMetrics(ev: Evaluation): Record<string, number> {
  const m: Record<string, number> = {
    within_5cm_5deg: ev.mean.within5cm5deg,
    median_translation_cm: ev.mean.medianTranslationCm,
    median_rotation_deg: ev.mean.medianRotationDeg,
    parameters: ev.parameters,
  };
  for (const s of ev.scenes) {
    m[`${s.scene}.within_5cm_5deg`] = s.within5cm5deg;
    m[`${s.scene}.median_translation_cm`] = s.medianTranslationCm;
    m[`${s.scene}.median_rotation_deg`] = s.medianRotationDeg;
  }
  return m;
}

export async function trainRoomsModel(opts: RoomsModelOptions): Promise<RoomsModelReport> {
  const data = { kind: 'synthetic' as const, seed: opts.dataSeed ?? 1, rooms: opts.rooms ?? 4, train: opts.train ?? 400, test: opts.test ?? 100 };
  const scenes = syntheticRooms({ seed: data.seed, rooms: data.rooms, train: data.train, test: data.test });
  const runtime = opts.threads ? { threads: opts.threads } : {};
  const result = await trainOfvl({ scenes, sharing: opts.sharing, normalize: opts.normalize, steps: opts.steps, search: opts.search, seed: opts.seed, runtime, checkpoint: opts.checkpoint, onProgress: opts.onProgress });
  const graph = modelGraph(result, scenes, data);
  const localizer = new Localizer(graph, opts.outDir, runtime);
  let evaluation: Evaluation;
  try {
    opts.onLog?.(`evaluating on ${opts.evalFrames ?? data.test} test frames per room`);
    evaluation = await evaluateLocalizer(localizer, scenes, { maxFrames: opts.evalFrames });
  } finally {
    await localizer.release();
  }
  const metrics = evaluationMetrics(evaluation);
  mkdirSync(opts.outDir, { recursive: true });
  saveModel(join(opts.outDir, 'model.onnx'), graph.toModel());
  writeCard(opts.outDir, roomsCard(opts, data, result, evaluation, metrics));
  return { dir: opts.outDir, result, evaluation, metrics };
}

function roomsCard(opts: RoomsModelOptions, data: { seed: number; rooms: number; train: number; test: number }, r: TrainResult, ev: Evaluation, metrics: Record<string, number>): Card & { readonly ofvl: Readonly<Record<string, unknown>> } {
  const name = opts.name ?? 'ofvl-rooms';
  const { rows, cols, stride } = gridOf(r.network);
  const cores = cpus();
  const scenes = ev.scenes.map((s) => s.scene);
  return {
    name,
    task: 'visual relocalization: scene-coordinate regression for several rooms with one network (OFVL-MS), camera pose by PnP-RANSAC',
    architecture: `CNN of ${r.network.layers.length} 3x3 conv layers (${r.network.layers.map((l) => l.cout).join('-')} channels, stride ${stride}), each with a per-scene BatchNorm; conv weights shared or per scene by layer-adaptive sharing (${r.shared.filter(Boolean).length} of ${r.shared.length} layers shared); per-scene 1x1 head (${r.network.headHidden} hidden) to xyz + uncertainty`,
    parameters: ev.parameters,
    inputs: [{ name: 'image', dtype: 'float32', dims: ['batch', 3, r.network.height, r.network.width], meaning: 'RGB planes scaled to [-1, 1] (x / 127.5 - 1)' }],
    outputs: scenes.flatMap((s) => [
      { name: coordsOutput(s), dtype: 'float32', dims: ['batch', 3, rows, cols], meaning: `scene coordinates in ${s} (metres) at cell centre pixels (${stride / 2} + ${stride} j, ${stride / 2} + ${stride} i)` },
      { name: uncertaintyOutput(s), dtype: 'float32', dims: ['batch', 1, rows, cols], meaning: 'predicted sigma (metres)' },
    ]),
    preprocessing: { image: `${r.network.width}x${r.network.height} RGB (other sizes of that aspect ratio are resized)`, range: '[-1, 1]', localization: 'ofvl', metadata: 'gradloc.ofvl: scenes, intrinsics, floor plans, shared layers' },
    training: {
      command: opts.command ?? `npx gradloc-zoo train ${name}`,
      seed: opts.seed ?? 0,
      steps: r.steps,
      batch: TRAIN_DEFAULTS.batch * scenes.length,
      optimizer: `Adam (AdamW, no decay), gradients of shared weights ${r.sharing === 'separate' ? 'not shared' : 'combined across scenes ' + (opts.normalize === false ? 'by summing' : 'with gradient normalization (each scene scaled to the mean norm)')}${r.sharing === 'adaptive' ? `; sparse penalty ${TRAIN_DEFAULTS.penalty} * mean(score); sharing scores trained for the first ${Math.round((opts.search ?? TRAIN_DEFAULTS.search) * 100)}% of the steps, then fixed` : ''}`,
      schedule: `linear warm-up ${TRAIN_DEFAULTS.warmup} steps to ${TRAIN_DEFAULTS.lr}, cosine to ${TRAIN_DEFAULTS.lr * TRAIN_DEFAULTS.floor}`,
      data: `${data.rooms} synthetic rooms (seed ${data.seed}), ${data.train} train frames per room from 8 trajectories, ${TRAIN_DEFAULTS.batch} frames per room per step, brightness jitter +-${TRAIN_DEFAULTS.brightness}`,
      wallTimeSec: Math.round(r.wallTimeSec * 10) / 10,
      machine: `${cores.length} x ${cores[0]?.model.trim() ?? 'CPU'}, node ${process.version}, ${opts.threads ?? 'default'} onnxruntime threads`,
    },
    metrics,
    ofvl: { sharing: r.sharing, shared: r.shared, scores: r.scores, normalize: opts.normalize !== false, finalTrainError: r.finalError },
    evaluation: {
      command: `npx gradloc localize eval --model ${name}${opts.evalFrames ? ` --max-frames ${opts.evalFrames}` : ''}`,
      split: `test (${data.test} frames per room from 2 held-out trajectories)`,
      samples: ev.mean.frames,
      notes: 'PnP-RANSAC (256 AP3P hypotheses, 10 px, refinement) on every cell; within_5cm_5deg = share of frames with translation error <= 5 cm and rotation error <= 5 deg, averaged over rooms; medians per room, averaged; parameters = weights stored (shared once + every scene\'s own, BatchNorm statistics excluded)',
    },
  };
}
