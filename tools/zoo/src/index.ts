export * from './data/brown/index.js';
export * from './zoo/index.js';
