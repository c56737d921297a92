export * from './data/brown/index.js';
export * from './zoo/index.js';
export * from './data/shapes/index.js';
export * from './metrics/perplexity.js';
export * from './metrics/causal-lm.js';
import './models/index.js';
export * from './calibration/index.js';
export * from './grounders/open.js';
export { GROUNDER_QUERIES, queryIds, queryPhrases } from './models/grounder/targets.js';
