/**
 * Model builders (ResNet, ViT, GPT) with seeded weights, and sample feeds for them; Net and
 * the layer helpers are the building blocks for other architectures (the zoo's grounder and
 * dual encoder are built from them).
 */
export { MODEL_META, Net, type BaseModelOptions, type FloatDType } from './net.js';
export * from './layers.js';
export * from './resnet.js';
export * from './vit.js';
export * from './gpt.js';
export * from './feeds.js';
