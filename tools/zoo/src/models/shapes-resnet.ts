/**
 * shapes-resnet: a narrow ResNet-18 classifying the shape of a scene's largest object.
 * The torchvision layout (7x7/2 stem, max-pool, four stages of two basic blocks) at a quarter
 * of the width: 96x96 inputs end on a 3x3 map whose receptive field covers the whole scene,
 * which is what comparing object sizes needs, at a cost that trains on two cores. BatchNorm
 * is what gets it off chance: the BatchNorm-free build (convs with bias) had not moved after
 * 300 steps of 32 scenes, the BatchNorm one learns within a few hundred.
 */
import { buildResNet } from '@gradloc/tensor-backend';
import { registerModel } from '../zoo/registry.js';
import { SHAPES } from '@gradloc/models';
import { SHAPES_IMAGE_SIZE, shapesClassifier } from './shapes-classifier.js';

const WIDTH = 16;

registerModel(
  shapesClassifier({
    name: 'shapes-resnet',
    summary: 'ResNet-18 (width 16) classifying the shape of the largest object',
    architecture: `ResNet-18 layout (basic blocks 2-2-2-2, widths ${WIDTH}-${WIDTH * 2}-${WIDTH * 4}-${WIDTH * 8}, 7x7/2 stem + 3x3/2 max-pool), BatchNorm after every conv, global average pool, linear head to ${SHAPES.length} classes`,
    build: (seed) => buildResNet({ depth: 18, channels: WIDTH, imageSize: SHAPES_IMAGE_SIZE, classes: SHAPES.length, batchNorm: true, seed }),
    camLayers: ['layer4.1'],
    seed: 0,
    steps: 6000,
    batch: 32,
    peakLr: 2e-3,
    curriculum: { fraction: 0.1, scenes: { maxObjects: 1 }, description: 'one object per scene' },
    warmupFraction: 0.05,
    weightDecay: 0.05,
    noDecay: /bias$/,
    clipNorm: 1,
    evalSamples: 2000,
    zeroInit: ['fc.weight', 'fc.bias'],
  }),
);
