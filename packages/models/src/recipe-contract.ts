/**
 * The contract between `gradloc train` and the training recipes: types only, no code. The
 * recipes are private to a gradloc checkout (tools/zoo) and the CLI loads them at run time
 * without depending on them, so the shape both sides agree on lives here, next to the cards
 * the recipes write.
 */
import type { Metrics } from './card.js';
import type { ModelsOptions } from './folder.js';

export interface TrainProgress {
  readonly step: number;
  readonly total: number;
  readonly loss: number;
  readonly lr: number;
  /** Training samples (or tokens, see `unit`) per second, smoothed. */
  readonly throughput: number;
  readonly unit: 'samples' | 'tokens';
  readonly etaSec: number;
  /** Metrics of the latest evaluation, when one ran at this step. */
  readonly metrics?: Metrics;
}

/** `modelsDir`: where a recipe finds the models it starts from (a warm start, a model to quantize). */
export interface TrainOptions extends ModelsOptions {
  /** Folder to write model.onnx and card.json into (created; files replaced atomically). */
  readonly outDir: string;
  readonly seed?: number;
  /** Override the recipe's step count (tests and quick looks; the card records it). */
  readonly steps?: number;
  /** Evaluate on this many held-out samples instead of the recipe's count. */
  readonly evalSamples?: number;
  readonly onProgress?: (p: TrainProgress) => void;
  /** Free-form log lines (phase changes, evaluation results). */
  readonly onLog?: (line: string) => void;
  readonly threads?: number;
}

export interface TrainReport {
  readonly metrics: Metrics;
  readonly wallTimeSec: number;
  readonly steps: number;
}

export interface Recipe {
  readonly name: string;
  readonly summary: string;
  /** Trains from scratch and writes outDir/model.onnx + outDir/card.json (its metrics from evaluateModel's functions). */
  train(opts: TrainOptions): Promise<TrainReport>;
}

/** What the recipes module (tools/zoo's `@gradloc/zoo`) exports for `gradloc train`. */
export interface RecipeModule {
  zooModels(): Recipe[];
  /** The recipe `name` (MODEL_NOT_FOUND listing the recipes otherwise). */
  zooModel(name: string): Recipe;
}
