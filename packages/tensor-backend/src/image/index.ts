/**
 * The image module every package uses: decode and encode files (sharp), resize (bilinear,
 * half-pixel centres), planar/normalised model inputs, heatmaps and overlays, box outlines,
 * smoothing filters.
 */
export * from './types.js';
export * from './resize.js';
export * from './planar.js';
export * from './filters.js';
export * from './colormap.js';
export * from './heatmap.js';
export * from './draw.js';
export * from './codec.js';
