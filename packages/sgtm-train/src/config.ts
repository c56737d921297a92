/**
 * Defaults, scaled from the paper's TinyStories runs (64M GPT-Neo: 64 of 2048 MLP units and 1
 * of 32 heads per layer are forget parameters; lr 5e-4, warm-up then cosine; 25% of retain
 * batches labelled) to a word-level GPT that trains in minutes on 2 CPU cores.
 */
export const SGTM_MODEL = {
  context: 64,
  dim: 128,
  depth: 4,
  /** 8 heads of width 16: one forget head is 12.5% of the attention. */
  heads: 8,
  /** MLP width 4 x 128 = 512; 48 forget units = 9.4%. */
  mlpRatio: 4,
} as const;

export const SGTM_TRAIN = {
  batch: 32,
  steps: 1500,
  seed: 1,
  peakLr: 1e-3,
  warmupSteps: 100,
  floorLr: 1e-4,
  weightDecay: 0.1,
  clipNorm: 1,
} as const;

/** The reference's logit calibration (TinyStories: 200 steps, lr 1e-2, alpha 100, bias ~ N(0, 0.1)), shortened. */
export const CALIBRATION = {
  steps: 100,
  lr: 1e-2,
  /** Loss = L_forget + alpha L_retain. */
  alpha: 100,
  /** Rows per source per step. */
  rows: 8,
  initStd: 0.1,
  seed: 7,
} as const;

/** Biases and LayerNorm gains/shifts are not decayed (GPT-2 / nanoGPT practice). */
export const NO_DECAY = /bias$|(^|\.)ln_\w*\.weight$/;
