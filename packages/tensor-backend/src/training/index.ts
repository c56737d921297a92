/** Training: optimizers, schedules, hooks, the Trainer, the fit loop and checkpoints. */
export * from './float-array.js';
export * from './param-matcher.js';
export * from './optimizer.js';
export * from './sgd.js';
export * from './adamw.js';
export * from './optimizer-from-config.js';
export * from './schedule.js';
export * from './clip.js';
export * from './slices.js';
export * from './groups.js';
export * from './hooks.js';
export * from './params.js';
export * from './checkpoint.js';
export * from './trainer.js';
export * from './fit.js';
export * from './classification-loss.js';
export * from './activation-loss.js';
