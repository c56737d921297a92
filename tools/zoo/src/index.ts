export * from './data/brown/index.js';
export * from './zoo/index.js';
export * from './data/shapes/index.js';
import './models/index.js';
