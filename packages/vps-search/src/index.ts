/**
 * @gradloc/vps-search: Visual Precision Search (Chen et al., CVPR 2025).
 * High-level entry points (pipeline/): `explainDetection` (picture in; map, overlay, metrics
 * out) and `ground` (picture and queries in; pixel boxes out). Below them: sub-region
 * divisions, the searches (shortlist, plain, lazy and coarse-to-fine greedy; `searchDetection`), attribution maps,
 * faithfulness curves, and the D-RISE and box Grad-CAM baselines.
 */
export { regionCentroids, regionMask, regionPixels, regionSizes, regionsFromLabels, type Regions } from './regions/types.js';
export { bandStarts, GRID_MAX_ASPECT, gridRegions, gridShape, type GridShape } from './regions/grid.js';
export { imageToLab, srgbToLab, type LabImage } from './regions/lab.js';
export { slic, type SlicOptions } from './regions/slic.js';
export * from './detector/types.js';
export * from './detector/onnx-grounder.js';
export * from './detector/detections.js';
export * from './score.js';
export * from './search/compose.js';
export * from './search/evaluator.js';
export * from './search/types.js';
export * from './search/greedy.js';
export * from './search/lazy.js';
export * from './search/groups.js';
export * from './search/coarse-to-fine.js';
export * from './search/shortlist.js';
export * from './attribution.js';
export * from './metrics.js';
export * from './baselines/d-rise.js';
export * from './baselines/grad-cam.js';
export * from './vps.js';
export * from './pipeline/ground.js';
export * from './pipeline/explain-detection.js';
export * from './diverse/region-env.js';
export * from './diverse/diverse.js';
export * from './pipeline/explain-diverse.js';
