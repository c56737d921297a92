export * from './registry.js';
export * from './export.js';
export * from './run-info.js';
export * from './adamw-recipe.js';
