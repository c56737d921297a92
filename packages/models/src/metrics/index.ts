export * from './average-precision.js';
export * from './perplexity.js';
export * from './causal-lm.js';
