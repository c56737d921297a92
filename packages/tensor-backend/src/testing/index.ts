export * from './gradcheck.js';
export * from './op-model.js';
export * from './values.js';
