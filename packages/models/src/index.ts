/**
 * @gradloc/models: model cards, the catalog of a models folder, loaders, preprocessing, and
 * the held-out data and evaluation of gradloc's shipped models, and random-weight GPTs of a
 * chosen size (makeGpt) to measure quantization at scale. No training code: the
 * recipes that produce the models are private to the repository (tools/zoo).
 */
export * from './folder.js';
export * from './card.js';
export * from './catalog.js';
export * from './recipe-contract.js';
export * from './loaders/index.js';
export * from './preprocessing/index.js';
export * from './data/shapes/index.js';
export * from './data/brown/index.js';
export * from './metrics/index.js';
export * from './evaluation/index.js';
export * from './data/bilingual/index.js';
export * from './hf/index.js';
export * from './make-gpt.js';
