/** The contract every shipped model's training script fulfils. */

/** Held-out metrics by name (`accuracy`, `ap50`, `absent_max_score`, `top1`, `ppl`, ...). */
export type Metrics = Record<string, number>;

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

export interface TrainOptions {
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

export interface EvalOptions {
  /** Held-out samples (default: the recipe's count, the one on the card). */
  readonly samples?: number;
  readonly threads?: number;
}

export interface ZooEntry {
  readonly name: string;
  readonly summary: string;
  /** Trains from scratch and writes outDir/model.onnx + outDir/card.json. */
  train(opts: TrainOptions): Promise<TrainReport>;
  /** Recomputes the card's held-out metrics for the model in `modelDir`. */
  evaluate(modelDir: string, opts?: EvalOptions): Promise<Metrics>;
}
