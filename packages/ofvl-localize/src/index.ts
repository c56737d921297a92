/**
 * @gradloc/ofvl-localize: OFVL-MS (Xie et al., ICCV 2023) multi-scene visual localization.
 */
export * from './geometry/pose.js';
export * from './data/frame.js';
export * from './data/fit.js';
export * from './model/config.js';
export * from './model/names.js';
export * from './model/params.js';
export * from './model/network.js';
export * from './model/loss.js';
export * from './model/metadata.js';
export * from './train/samples.js';
export * from './train/train.js';
export * from './pnp/index.js';
export * from './localize/correspondences.js';
export * from './localize/localizer.js';
export * from './eval/metrics.js';
export * from './eval/evaluate.js';
export * from './data/synthetic/index.js';
export * from './data/write-frames.js';
export * from './data/seven-scenes.js';
export * from './data/rgbd/camera.js';
export * from './data/rgbd/depth-png.js';
export * from './data/rgbd/pose-file.js';
export { findSceneFolders, listSceneFolder, parseSplitFile, detectLayout, type FrameFiles, type RgbdLayout, type SceneFolder } from './data/rgbd/folders.js';
export * from './train/model-file.js';
export * from './localize/open.js';
export * from './pipeline/train-model.js';
export * from './train/new-scene.js';
