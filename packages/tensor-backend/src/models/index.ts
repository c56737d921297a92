/**
 * Model builders (ResNet, ViT, GPT) with seeded weights, and sample feeds for them.
 * Net and the layer helpers stay internal: the builders are the public surface.
 */
export { MODEL_META, type BaseModelOptions, type FloatDType } from './net.js';
export type { GeluMode, LayerNormMode } from './layers.js';
export * from './resnet.js';
export * from './vit.js';
export * from './gpt.js';
export * from './feeds.js';
