export * from './cipher.js';
export * from './tokenizer.js';
export * from './streams.js';
