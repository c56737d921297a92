export * from './evaluate-model.js';
export type { RunForward } from './run-forward.js';
export * from './classifier.js';
export * from './grounder.js';
export * from './dual-encoder.js';
export * from './retrieval.js';
export * from './language-model.js';
export * from './bilingual.js';
