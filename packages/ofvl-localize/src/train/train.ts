/**
 * Training OFVL-MS: every step takes one mini-batch from EVERY scene, runs each scene's graph
 * (forward + backward), combines the gradients of the shared weights with gradient
 * normalization, adds the sparse penalty's gradient to the sharing scores, and makes one Adam
 * update. The same loop trains the baselines: 'shared' (every conv shared), 'separate' (one
 * model per scene: nothing shared, so each scene's weights see only its own batches) and
 * adaptive sharing without normalization.
 *
 * Definitions this package chooses (the paper's formulas were not available; see README):
 * - gradient normalization, per shared conv weight W_l: g_t = dL_t/dW_l, n_t = ||g_t||,
 *   grad W_l = sum_t (mean_s n_s / n_t) g_t (MultiTaskTrainer's 'normalize');
 * - sparse penalty: lambda * mean_l(score_l), added to the loss (its gradient lambda / L to
 *   every score), pushing scores below 0.5 (shared).
 */
import { existsSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import {
  adamw,
  CHECKPOINT_FILES,
  GradlocError,
  MultiTaskTrainer,
  rng,
  setRunningStatistics,
  tensorFromProto,
  warmupCosine,
  withParamLr,
  withBatchStatistics,
  type Feeds,
  type Graph,
  type Rand,
  type RuntimeOptions,
} from '@gradloc/tensor-backend';
import type { Vec3 } from '../geometry/pose.js';
import type { SceneSource } from '../data/frame.js';
import { DEFAULT_NETWORK, gridOf, type NetworkSpec, type Sharing } from '../model/config.js';
import { addCoordinateLoss } from '../model/loss.js';
import { SCORE_PARAM, sharingScore } from '../model/names.js';
import { deployGraph, IMAGE_INPUT, SHARE_THRESHOLD, sceneGraph, type LayerDecisions } from '../model/network.js';
import { isStatistic, sceneParameters, sharedParameters, type ParameterStore } from '../model/params.js';
import { meanTarget, sampleOf, writePlanes, type Sample } from './samples.js';

export interface TrainOptions {
  readonly scenes: readonly SceneSource[];
  readonly network?: NetworkSpec;
  /** Default 'adaptive' (OFVL-MS). */
  readonly sharing?: Sharing;
  /** Gradient normalization of the shared weights (default true). */
  readonly normalize?: boolean;
  /** lambda of the sparse penalty lambda * mean(score) (default 0.01; adaptive sharing only). */
  readonly penalty?: number;
  /**
   * Share of the steps during which the sharing scores train (default 0.5); the decisions are
   * then fixed (the scores stop) and the remaining steps train only the copies in use. 1 trains
   * the scores throughout, as the paper describes; but a layer whose score crosses 0.5 late
   * switches to a copy that has had no gradient since (see the README). Adaptive sharing only.
   */
  readonly search?: number;
  /** Updates (default 5000). */
  readonly steps?: number;
  /** Frames per scene per step (default 4). */
  readonly batch?: number;
  /** Peak Adam learning rate (default 3e-3; 100 warm-up steps, cosine to 5%). */
  readonly lr?: number;
  readonly seed?: number;
  /** Photometric augmentation: brightness shift drawn from +-this many 8-bit levels per frame (default 20, UFVL-Net's). */
  readonly brightness?: number;
  /** Use only the first N training frames of each scene (default all). */
  readonly maxTrainFrames?: number;
  readonly runtime?: RuntimeOptions;
  /** Called every `progressEvery` steps (default 50) and after the last. */
  readonly onProgress?: (p: TrainProgress) => void;
  readonly progressEvery?: number;
  /**
   * Start from given parameters with fixed sharing decisions, training only the parameters
   * `train` selects (a new scene joining a trained model: see addScene). The store is
   * updated in place with the trained values and running statistics.
   */
  readonly from?: { readonly store: ParameterStore; readonly shared: LayerDecisions; readonly train: (name: string) => boolean };
  /**
   * Checkpoints: every `every` steps (default 500) the weights, Adam buffers, step and data
   * order go to `dir`; a run started with a `dir` holding a checkpoint continues from it (same
   * scenes and settings; another step budget or sharing is refused). Removed after a
   * successful run unless `keep`.
   */
  readonly checkpoint?: { readonly dir: string; readonly every?: number; readonly keep?: boolean };
}

export interface TrainProgress {
  readonly phase: 'render' | 'train' | 'statistics';
  /** Set when this run continues a checkpoint: the step it was written at. */
  readonly resumedFrom?: number;
  readonly step: number;
  readonly steps: number;
  /** Mean loss and coordinate error (m) per scene over the last progress window. */
  readonly loss: Readonly<Record<string, number>>;
  readonly error: Readonly<Record<string, number>>;
  /** Layers currently shared (score <= 0.5). */
  readonly sharedLayers: number;
  /** The sharing scores now (adaptive sharing; empty otherwise). */
  readonly scores: readonly number[];
  /** Learning rate of the latest step (0 outside training). */
  readonly lr: number;
  /** Training frames per second so far (all scenes). */
  readonly framesPerSec: number;
  readonly elapsedSec: number;
  readonly etaSec: number;
}

export interface TrainResult {
  /** The deployed multi-scene graph (no metadata yet: see ofvlModel). */
  readonly graph: Graph;
  readonly shared: readonly boolean[];
  /** Final sharing scores (adaptive only). */
  readonly scores: readonly number[];
  readonly network: NetworkSpec;
  readonly sharing: Sharing;
  readonly steps: number;
  readonly wallTimeSec: number;
  /** Loss and error per scene averaged over the last 10% of steps. */
  readonly finalLoss: Readonly<Record<string, number>>;
  readonly finalError: Readonly<Record<string, number>>;
}

export const TRAIN_DEFAULTS = { steps: 5000, batch: 4, lr: 3e-3, penalty: 0.01, search: 0.5, brightness: 20, progressEvery: 50, warmup: 100, floor: 0.05, checkpointEvery: 500 } as const;

const writingDir = (dir: string): string => `${dir}.writing`;

/**
 * Whether `dir` holds a checkpoint. A crash between the two steps of the swap below leaves
 * only the complete `.writing` copy: it is moved into place.
 */
function hasCheckpoint(dir: string): boolean {
  const done = (d: string): boolean => existsSync(join(d, CHECKPOINT_FILES.model)) && existsSync(join(d, CHECKPOINT_FILES.optimizer));
  if (!existsSync(dir) && done(writingDir(dir))) renameSync(writingDir(dir), dir);
  return done(dir);
}

/** A crash while writing leaves the previous checkpoint whole: write aside, then swap. */
function saveCheckpointAtomically(trainer: MultiTaskTrainer, dir: string, rngState: number): void {
  const next = writingDir(dir);
  rmSync(next, { recursive: true, force: true });
  trainer.saveCheckpoint(next, rngState);
  rmSync(dir, { recursive: true, force: true });
  renameSync(next, dir);
}

/** Frames turned into samples, with each scene's centre (mean of valid targets) for the head's bias. */
async function loadSamples(scenes: readonly SceneSource[], spec: NetworkSpec, max: number | undefined): Promise<{ samples: Sample[][]; centres: Vec3[] }> {
  const samples: Sample[][] = [];
  const centres: Vec3[] = [];
  for (const s of scenes) {
    const n = Math.min(s.count.train, max ?? Infinity);
    if (n < 1) throw new GradlocError('BAD_INPUT', `scene '${s.name}' has no training frames`);
    const list: Sample[] = [];
    for (let i = 0; i < n; i++) list.push(sampleOf(await s.frame('train', i), spec));
    const centre = meanTarget(list);
    if (!centre) throw new GradlocError('BAD_INPUT', `scene '${s.name}': no training frame has a valid scene coordinate`);
    samples.push(list);
    centres.push(centre);
  }
  return { samples, centres };
}

/** Feeds of one batch: images (with brightness jitter), targets, masks. */
export function batchFeeds(spec: NetworkSpec, picked: readonly Sample[], rand?: Rand, brightness = 0): Feeds {
  const { rows, cols } = gridOf(spec);
  const px = spec.width * spec.height;
  const image = new Float32Array(picked.length * 3 * px);
  const target = new Float32Array(picked.length * 3 * rows * cols);
  const mask = new Float32Array(picked.length * rows * cols);
  picked.forEach((s, n) => {
    writePlanes(s.image, image, n * 3 * px, rand && brightness > 0 ? Math.round((rand() * 2 - 1) * brightness) : 0);
    target.set(s.target, n * 3 * rows * cols);
    mask.set(s.mask, n * rows * cols);
  });
  const b = picked.length;
  return {
    [IMAGE_INPUT]: { dtype: 'float32', dims: [b, 3, spec.height, spec.width], data: image },
    target: { dtype: 'float32', dims: [b, 3, rows, cols], data: target },
    mask: { dtype: 'float32', dims: [b, 1, rows, cols], data: mask },
  };
}

/** The initial parameter store of a run: shared weights and scores, every scene's own. */
export function initialStore(spec: NetworkSpec, scenes: readonly string[], centres: readonly Vec3[], seed: number): ParameterStore {
  const store = sharedParameters(spec, seed);
  scenes.forEach((s, i) => {
    for (const [k, v] of sceneParameters(spec, s, seed, centres[i])) store.set(k, v);
  });
  return store;
}

/** Per-layer decisions: under 'adaptive' the scores decide; the baselines fix them. */
export function sharingDecisions(sharing: Sharing, scores: readonly number[]): boolean[] {
  return scores.map((s) => (sharing === 'adaptive' ? s <= SHARE_THRESHOLD : sharing === 'shared'));
}

export async function trainOfvl(opts: TrainOptions): Promise<TrainResult> {
  const t0 = performance.now();
  const spec = opts.network ?? DEFAULT_NETWORK;
  const sharing = opts.sharing ?? 'adaptive';
  const steps = opts.steps ?? TRAIN_DEFAULTS.steps;
  const batch = opts.batch ?? TRAIN_DEFAULTS.batch;
  const penalty = sharing === 'adaptive' && !opts.from ? (opts.penalty ?? TRAIN_DEFAULTS.penalty) : 0;
  const every = opts.progressEvery ?? TRAIN_DEFAULTS.progressEvery;
  const seed = opts.seed ?? 0;
  if (!(Number.isInteger(steps) && steps >= 1)) throw new GradlocError('BAD_INPUT', `steps must be an integer >= 1, got ${steps}`);
  if (!(Number.isInteger(batch) && batch >= 1)) throw new GradlocError('BAD_INPUT', `batch must be an integer >= 1, got ${batch}`);
  const search = opts.search ?? TRAIN_DEFAULTS.search;
  if (!(search > 0 && search <= 1)) throw new GradlocError('BAD_INPUT', `search must be in (0, 1], got ${search}`);
  const searchSteps = Math.ceil(steps * search);
  if (!(penalty >= 0)) throw new GradlocError('BAD_INPUT', `penalty must be >= 0, got ${penalty}`);
  if (opts.scenes.length === 0) throw new GradlocError('BAD_INPUT', 'no scenes to train on');
  const names = opts.scenes.map((s) => s.name);
  if (new Set(names).size !== names.length) throw new GradlocError('BAD_INPUT', `scene names must be unique: ${names.join(', ')}`);
  const elapsed = (): number => (performance.now() - t0) / 1000;

  opts.onProgress?.({ phase: 'render', step: 0, steps, loss: {}, error: {}, sharedLayers: 0, scores: [], lr: 0, framesPerSec: 0, elapsedSec: 0, etaSec: 0 });
  const { samples, centres } = await loadSamples(opts.scenes, spec, opts.maxTrainFrames);
  const renderSec = elapsed();
  const store = opts.from?.store ?? initialStore(spec, names, centres, seed);
  const policy = opts.from?.shared ?? sharing;
  const graphs = names.map((s) => sceneGraph(spec, s, policy, store));
  const scoreNames = spec.layers.map((_, i) => sharingScore(i));
  const trainer = new MultiTaskTrainer({
    tasks: names.map((s, i) => ({ name: s, model: addCoordinateLoss(withBatchStatistics(graphs[i])), outputs: ['error'] })),
    params: (name) => !isStatistic(name) && (opts.from?.train(name) ?? true),
    optimizer: withParamLr(adamw({ lr: opts.lr ?? TRAIN_DEFAULTS.lr, weightDecay: 0 }), [{ params: SCORE_PARAM, factor: (step) => (step <= searchSteps ? 1 : 0) }]),
    schedule: warmupCosine({ peak: opts.lr ?? TRAIN_DEFAULTS.lr, warmupSteps: Math.min(TRAIN_DEFAULTS.warmup, Math.floor(steps / 10)), totalSteps: steps, floor: (opts.lr ?? TRAIN_DEFAULTS.lr) * TRAIN_DEFAULTS.floor }),
    shared: opts.normalize === false ? 'sum' : 'normalize',
    normalize: /^layers\.\d+\.shared$/,
    globalHook: penalty > 0 ? (grads) => {
      for (const s of scoreNames) {
        const g = grads.get(s);
        if (g) g[0] += penalty / scoreNames.length;
      }
    } : undefined,
    runtime: opts.runtime,
  });
  const checkpoint = opts.checkpoint ? { every: TRAIN_DEFAULTS.checkpointEvery, ...opts.checkpoint } : undefined;
  if (checkpoint && !(Number.isInteger(checkpoint.every) && checkpoint.every >= 1)) throw new GradlocError('BAD_INPUT', `checkpoint.every must be an integer >= 1, got ${checkpoint.every}`);
  let rand = rng(seed + 1);
  let first = 1;
  let resumedFrom: number | undefined;
  if (checkpoint && hasCheckpoint(checkpoint.dir)) {
    const r = trainer.restore(checkpoint.dir);
    rand = rng(r.rngState);
    resumedFrom = r.step;
    first = r.step + 1;
  }
  const windowSum = names.map(() => ({ loss: 0, error: 0, n: 0 }));
  const tail = names.map(() => ({ loss: 0, error: 0, n: 0 }));
  const tailFrom = steps - Math.max(1, Math.floor(steps / 10));
  const scoresNow = (): number[] => scoreNames.map((s) => (trainer.paramNames.includes(s) ? trainer.params().get(s)![0] : sharing === 'shared' ? 0 : 1));
  try {
    for (let step = first; step <= steps; step++) {
      const feeds: Record<string, Feeds> = {};
      names.forEach((s, i) => {
        const pool = samples[i];
        const picked = Array.from({ length: batch }, () => pool[Math.floor(rand() * pool.length)]);
        feeds[s] = batchFeeds(spec, picked, rand, opts.brightness ?? TRAIN_DEFAULTS.brightness);
      });
      const r = await trainer.step(feeds);
      if (checkpoint && (step % checkpoint.every === 0 || step === steps)) saveCheckpointAtomically(trainer, checkpoint.dir, rand.state());
      names.forEach((s, i) => {
        const err = Number(r.outputs[s].error.data[0]);
        for (const acc of step > tailFrom ? [windowSum[i], tail[i]] : [windowSum[i]]) {
          acc.loss += r.losses[s];
          acc.error += err;
          acc.n++;
        }
      });
      if (opts.onProgress && (step % every === 0 || step === steps)) {
        const e = elapsed();
        opts.onProgress({
          phase: 'train',
          ...(resumedFrom !== undefined ? { resumedFrom } : {}),
          step,
          steps,
          loss: Object.fromEntries(names.map((s, i) => [s, windowSum[i].loss / windowSum[i].n])),
          error: Object.fromEntries(names.map((s, i) => [s, windowSum[i].error / windowSum[i].n])),
          sharedLayers: sharingDecisions(sharing, scoresNow()).filter(Boolean).length,
          scores: sharing === 'adaptive' ? scoresNow() : [],
          lr: r.lr,
          framesPerSec: ((step - first + 1) * batch * names.length) / Math.max(1e-9, e - renderSec),
          elapsedSec: e,
          etaSec: ((e - renderSec) / (step - first + 1)) * (steps - step),
        });
        for (const w of windowSum) Object.assign(w, { loss: 0, error: 0, n: 0 });
      }
    }
    // the trained values, then each scene's running statistics over its training frames
    for (const [name, v] of trainer.params()) store.set(name, { ...store.get(name)!, data: v.slice() });
    opts.onProgress?.({ phase: 'statistics', ...(resumedFrom !== undefined ? { resumedFrom } : {}), step: steps, steps, loss: {}, error: {}, sharedLayers: 0, scores: [], lr: 0, framesPerSec: 0, elapsedSec: elapsed(), etaSec: 0 });
    for (const [i, s] of names.entries()) {
      const g = sceneGraph(spec, s, policy, store);
      const pool = samples[i];
      const per = 8;
      const batches = Array.from({ length: Math.ceil(Math.min(pool.length, 200) / per) }, (_, k) => batchFeeds(spec, pool.slice(k * per, Math.min(pool.length, (k + 1) * per))));
      await setRunningStatistics(g, batches.filter((f) => f[IMAGE_INPUT].dims[0] === per), opts.runtime);
      for (const [name, t] of g.initializers) if (isStatistic(name)) store.set(name, tensorFromProto(t));
    }
    if (checkpoint && !checkpoint.keep) rmSync(checkpoint.dir, { recursive: true, force: true });
    const scores = scoresNow();
    const shared = opts.from ? [...opts.from.shared] : sharingDecisions(sharing, scores);
    const mean = (acc: { loss: number; error: number; n: number }[], k: 'loss' | 'error'): Record<string, number> => Object.fromEntries(names.map((s, i) => [s, acc[i][k] / Math.max(1, acc[i].n)]));
    return {
      graph: deployGraph(spec, names, shared, store),
      shared,
      scores: sharing === 'adaptive' ? scores : [],
      network: spec,
      sharing,
      steps,
      wallTimeSec: elapsed(),
      finalLoss: mean(tail, 'loss'),
      finalError: mean(tail, 'error'),
    };
  } finally {
    await trainer.release();
  }
}
