/**
 * Localizer: a deployed OFVL model ready to answer "where is this camera?". Each scene's branch
 * predicts scene coordinates for the frame; PnP-RANSAC turns them into a camera-to-world pose.
 * Without a scene it tries every scene and keeps the one with the most inliers.
 */
import { GradlocError, Graph, loadModel, OnnxModel, pruneToOutputs, type RgbImage, type RuntimeOptions } from '@gradloc/tensor-backend';
import { quaternionOf, type Intrinsics, type Pose, type Quaternion, type Vec3 } from '../geometry/pose.js';
import { fitImage } from '../data/fit.js';
import { gridOf } from '../model/config.js';
import { readMetadata, storedParameters, type OfvlMetadata, type SceneInfo } from '../model/metadata.js';
import { coordsOutput, uncertaintyOutput } from '../model/names.js';
import { IMAGE_INPUT } from '../model/network.js';
import { solvePnpRansac, type PnpOptions, type PnpResult } from '../pnp/index.js';
import { writePlanes } from '../train/samples.js';
import { cellCorrespondences } from './correspondences.js';

/** Start of the message when a frame's prediction gives PnP nothing to work with. */
export const NO_POSE_FOUND = 'no pose found';

export interface Prediction {
  /** [3, rows, cols] scene coordinates (metres). */
  readonly coords: Float32Array;
  /** [rows, cols] predicted sigma (metres). */
  readonly uncertainty: Float32Array;
}

export interface LocalizeResult {
  readonly scene: string;
  /** Camera-to-world. */
  readonly pose: Pose;
  /** Camera centre in world coordinates (metres). */
  readonly position: Vec3;
  /** Quaternion [qw, qx, qy, qz] of the camera-to-world rotation. */
  readonly rotation: Quaternion;
  readonly inliers: number;
  /** Correspondences given to PnP. */
  readonly cells: number;
  /** Wall time of network + PnP (all scenes tried, when no scene was given). */
  readonly ms: number;
  /** Inliers per scene tried (only when the scene was not given). */
  readonly candidates?: readonly { readonly scene: string; readonly inliers: number }[];
}

export interface LocalizeOptions {
  /** The scene to localize in; omitted: try every scene, keep the one with most inliers. */
  readonly scene?: string;
  readonly pnp?: PnpOptions;
}

export class Localizer {
  readonly meta: OfvlMetadata;
  private readonly model: OnnxModel;
  /**
   * One session per scene on the graph pruned to that scene's outputs: onnxruntime runs every
   * node whatever outputs are asked for, so a scene's run would otherwise compute every
   * scene's branch (the benchmark measures both; README). Each holds the shared weights
   * again: memory for speed, one scene at a time, created on first use.
   */
  private readonly sceneModels = new Map<string, OnnxModel>();

  constructor(
    readonly graph: Graph,
    readonly where: string,
    private readonly runtime: RuntimeOptions = {},
  ) {
    this.meta = readMetadata(graph, where);
    this.model = OnnxModel.fromGraph(graph, runtime);
  }

  private modelFor(scenes: readonly string[]): OnnxModel {
    if (scenes.length !== 1 || this.scenes.length === 1) return this.model;
    const [s] = scenes;
    let m = this.sceneModels.get(s);
    if (!m) {
      m = OnnxModel.fromGraph(pruneToOutputs(this.graph, [coordsOutput(s), uncertaintyOutput(s)]), this.runtime);
      this.sceneModels.set(s, m);
    }
    return m;
  }

  static load(file: string, runtime: RuntimeOptions = {}): Localizer {
    return new Localizer(Graph.fromModel(loadModel(file)), file, runtime);
  }

  get scenes(): readonly string[] {
    return this.meta.scenes.map((s) => s.name);
  }

  /** Trained parameters the model stores (shared once, plus every scene's own). */
  get parameters(): number {
    return storedParameters(this.graph);
  }

  scene(name: string): SceneInfo {
    const s = this.meta.scenes.find((x) => x.name === name);
    if (!s) throw new GradlocError('BAD_INPUT', `unknown scene '${name}' (this model knows ${this.scenes.join(', ')})`);
    return s;
  }

  /** The scene's camera at the network's input size. */
  intrinsics(scene: string): Intrinsics {
    return this.scene(scene).intrinsics;
  }

  /** Scene coordinates for a batch of frames of one scene (images resized if only their resolution differs). */
  async predict(images: readonly RgbImage[], scene: string): Promise<Prediction[]> {
    return (await this.predictScenes(images, [scene]))[scene];
  }

  /**
   * Scene coordinates of a batch of frames in several scenes from ONE run of the network: the
   * shared layers are computed once, then each scene's own branch.
   */
  async predictScenes(images: readonly RgbImage[], scenes: readonly string[]): Promise<Record<string, Prediction[]>> {
    for (const s of scenes) this.scene(s);
    const { width, height } = this.meta.network;
    const { rows, cols } = gridOf(this.meta.network);
    const data = new Float32Array(images.length * 3 * width * height);
    images.forEach((img, n) => writePlanes(fitImage(img, width, height), data, n * 3 * width * height));
    const names = scenes.flatMap((s) => [coordsOutput(s), uncertaintyOutput(s)]);
    const out = await this.modelFor(scenes).run({ [IMAGE_INPUT]: { dtype: 'float32', dims: [images.length, 3, height, width], data } }, names);
    const cells = rows * cols;
    const result: Record<string, Prediction[]> = {};
    for (const s of scenes) {
      const coords = out[coordsOutput(s)].data as Float32Array;
      const sigma = out[uncertaintyOutput(s)].data as Float32Array;
      result[s] = images.map((_, n) => ({ coords: coords.slice(n * 3 * cells, (n + 1) * 3 * cells), uncertainty: sigma.slice(n * cells, (n + 1) * cells) }));
    }
    return result;
  }

  /**
   * The pose of one prediction of `scene` (PnP-RANSAC over every cell). Predictions PnP can
   * make nothing of (all cells on a line, no minimal set agreeing) throw NO_POSE_FOUND's
   * GradlocError; `tryPoseOf` returns null instead.
   */
  async poseOf(prediction: Prediction, scene: string, pnp: PnpOptions = {}): Promise<Omit<LocalizeResult, 'ms' | 'candidates'>> {
    const { rows, cols, stride } = gridOf(this.meta.network);
    const { points, pixels } = cellCorrespondences(prediction.coords, rows, cols, stride);
    let r: PnpResult;
    try {
      r = await solvePnpRansac(points, pixels, this.intrinsics(scene), { invalid: 'skip', ...pnp });
    } catch (e) {
      if (e instanceof GradlocError && e.code === 'BAD_INPUT') throw new GradlocError('BAD_INPUT', `${NO_POSE_FOUND} in scene '${scene}': ${e.message}`);
      throw e;
    }
    return { scene, pose: r.pose, position: r.pose.t, rotation: quaternionOf(r.pose.R), inliers: r.inliers, cells: rows * cols };
  }

  /** poseOf, or null when the prediction yields no pose. */
  async tryPoseOf(prediction: Prediction, scene: string, pnp: PnpOptions = {}): Promise<Omit<LocalizeResult, 'ms' | 'candidates'> | null> {
    try {
      return await this.poseOf(prediction, scene, pnp);
    } catch (e) {
      if (e instanceof GradlocError && e.message.startsWith(NO_POSE_FOUND)) return null;
      throw e;
    }
  }

  async localize(image: RgbImage, opts: LocalizeOptions = {}): Promise<LocalizeResult> {
    const t0 = performance.now();
    if (opts.scene !== undefined) {
      const [p] = await this.predict([image], opts.scene);
      return { ...(await this.poseOf(p, opts.scene, opts.pnp)), ms: performance.now() - t0 };
    }
    const tried: { readonly scene: string; readonly result: Omit<LocalizeResult, 'ms' | 'candidates'> | null }[] = [];
    const predictions = await this.predictScenes([image], this.scenes);
    for (const s of this.scenes) tried.push({ scene: s, result: await this.tryPoseOf(predictions[s][0], s, opts.pnp) });
    const found = tried.flatMap((t) => (t.result ? [t.result] : []));
    if (found.length === 0) throw new GradlocError('BAD_INPUT', `${NO_POSE_FOUND} in any of the scenes ${this.scenes.join(', ')}`);
    const best = found.reduce((a, b) => (b.inliers > a.inliers ? b : a));
    return { ...best, ms: performance.now() - t0, candidates: tried.map((t) => ({ scene: t.scene, inliers: t.result?.inliers ?? 0 })) };
  }

  async release(): Promise<void> {
    const models = [this.model, ...this.sceneModels.values()];
    this.sceneModels.clear();
    await Promise.all(models.map((m) => m.release()));
  }
}
