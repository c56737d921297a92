export * from './data/brown/index.js';
export * from './zoo/index.js';
export * from './data/shapes/index.js';
export * from './metrics/perplexity.js';
export * from './metrics/causal-lm.js';
import './models/index.js';
