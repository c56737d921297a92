/**
 * @gradloc/sgtm-train: Selective Gradient Masking (Shilov et al. 2025) on ONNX GPTs.
 */
export * from './config.js';
export * from './split/gpt-layout.js';
export * from './split/param-split.js';
export * from './data/labels.js';
export * from './data/batches.js';
export * from './model/graphs.js';
export * from './model/build.js';
export * from './train/methods.js';
export * from './train/train.js';
export * from './eval/ablate.js';
export * from './eval/losses.js';
export * from './eval/calibrate.js';
export * from './pipeline/streams.js';
export * from './pipeline/metadata.js';
export * from './pipeline/open-model.js';
export * from './pipeline/evaluate.js';
export * from './pipeline/train-model.js';
export * from './baselines/rmu.js';
export * from './eval/recovery.js';
export * from './pipeline/recovery.js';
export * from './results.js';
