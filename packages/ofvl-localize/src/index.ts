/**
 * @gradloc/ofvl-localize: OFVL-MS (Xie et al., ICCV 2023) multi-scene visual localization.
 */
export * from './geometry/pose.js';
export * from './data/frame.js';
export * from './data/synthetic/index.js';
export * from './data/write-frames.js';
