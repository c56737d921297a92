export * from './contract.js';
export * from './export-folder.js';
export * from './tokenizer-files.js';
