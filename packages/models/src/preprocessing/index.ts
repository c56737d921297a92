export * from './image.js';
export * from './grounder-queries.js';
export * from './vocabulary.js';
