export * from './corpus.js';
export * from './split.js';
export * from './word-tokenizer.js';
export * from './brown-tokenizer.js';
export * from './brown-tokens.js';
export * from './lm-windows.js';
export * from './eval-windows.js';
export * from './brown-streams.js';
