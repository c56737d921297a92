/** `shapes`: the synthetic scene generator the zoo's vision and grounding models train on. */
export { ALL_BACKGROUNDS, BACKGROUNDS, EXTRA_BACKGROUNDS, type BackgroundKind } from './backgrounds.js';
export { generateBatch, generateSplitBatch, SHAPES_MEAN, SHAPES_NORM, SHAPES_STD, toNCHW, type ShapesBatch } from './batch.js';
export { countedPhrase, objectPhrases, sceneCaptions } from './captions.js';
export { BOX_THRESHOLD, objectCoverage, visibleCoverages, visibleMasks } from './masks.js';
export { BACKGROUND_MAX, COLOUR_RGB, COLOURS, type ColourName, type Rgb } from './palette.js';
export * from './queries.js';
export type { Coverage } from './rasterize.js';
export { toRGB8, toRGBA8 } from './rgba.js';
export { generateScene, renderScene } from './scene.js';
export * from './scene-options.js';
export * from './scene-types.js';
export { SHAPES, type ShapeName, type ShapePose } from './shape-geometry.js';
export * from './splits.js';
export * from './tokenizer.js';
