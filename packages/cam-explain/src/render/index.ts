/** Rendering of maps: colormaps, heatmaps, overlays and PNG files. */
export * from './colormap.js';
export * from './heatmap.js';
export * from './png.js';
