/**
 * ResNet (He et al. 2016, torchvision layout) as PyTorch eval exports contain it:
 * Conv (BatchNorm folded into weights + bias) / Relu / MaxPool 3x3 s2 / residual Add /
 * GlobalAveragePool / Flatten / Gemm. `batchNorm: true` keeps BatchNormalization nodes
 * (bias-free convs), as exports without constant folding do.
 *
 * Tensor names follow torchvision's module paths: block outputs are `layer1.0` ...
 * `layer4.1` (CAM target layers), weights `layer1.0.conv1.weight`, the output `logits`.
 * float32 only: onnxruntime's CPU Conv has no float64 kernel (dtype float64 is refused).
 */
import { GradlocError } from '../errors.js';
import type { Graph } from '../ir/graph.js';
import { batchNorm, conv2d, requireDoubleKernel, type ConvSpec } from './layers.js';
import { MODEL_META, Net, type BaseModelOptions } from './net.js';

export type ResNetDepth = 'tiny' | 18 | 50;

export interface ResNetOptions extends BaseModelOptions {
  /** 18 and 50 are torchvision's; 'tiny' (2 basic blocks, 8 and 16 channels) is for finite-difference tests. */
  readonly depth: ResNetDepth;
  /** Height = width of the input image. */
  readonly imageSize: number;
  readonly classes: number;
  /** Width of the first stage (default 64; 8 for 'tiny'). */
  readonly channels?: number;
  /** Input channels (default 3). */
  readonly inChannels?: number;
  /** Keep BatchNormalization nodes instead of folding them into the convs. */
  readonly batchNorm?: boolean;
}

interface Plan {
  readonly block: 'basic' | 'bottleneck';
  readonly layers: readonly number[];
  /** 'imagenet': 7x7 s2 conv; 'small': 3x3 s1 (keeps 16x16 inputs meaningful). */
  readonly stem: 'imagenet' | 'small';
  readonly width: number;
}

const PLANS: Record<string, Plan> = {
  tiny: { block: 'basic', layers: [1, 1], stem: 'small', width: 8 },
  '18': { block: 'basic', layers: [2, 2, 2, 2], stem: 'imagenet', width: 64 },
  '50': { block: 'bottleneck', layers: [3, 4, 6, 3], stem: 'imagenet', width: 64 },
};

/**
 * The last conv of every residual branch gets this fraction of the He std, as
 * zero-init-residual / Fixup do, so activations stay O(1) through 16 blocks instead of
 * doubling in variance at every residual Add.
 */
const BRANCH_GAIN = 0.3;

export function buildResNet(opts: ResNetOptions): Graph {
  const plan = PLANS[String(opts.depth)];
  if (!plan) throw new GradlocError('BAD_INPUT', `ResNet depth must be 'tiny', 18 or 50, got ${String(opts.depth)}`);
  if (!(opts.imageSize >= 8)) throw new GradlocError('BAD_INPUT', `ResNet imageSize must be >= 8, got ${opts.imageSize}`);
  const net = new Net(opts, `resnet${opts.depth}`);
  requireDoubleKernel(net, 'Conv', 'buildResNet', 'ResNets run in float32 only');
  const bn = !!opts.batchNorm;
  const inC = opts.inChannels ?? 3;
  const width = opts.channels ?? plan.width;

  // conv + (folded or explicit) BatchNorm, named like torchvision's conv/bn module pair
  const convBn = (x: string, conv: string, norm: string, s: ConvSpec): string => {
    const y = conv2d(net, x, conv, { ...s, bias: !bn });
    return bn ? batchNorm(net, y, norm, s.cout) : y;
  };
  const relu = (x: string, name: string): string => net.op('Relu', [x], {}, name);

  const input = net.b.input('input', net.dtype, ['batch', inC, opts.imageSize, opts.imageSize]);
  let x =
    plan.stem === 'imagenet'
      ? convBn(input, 'conv1', 'bn1', { cin: inC, cout: width, k: 7, stride: 2, pad: 3 })
      : convBn(input, 'conv1', 'bn1', { cin: inC, cout: width, k: 3, stride: 1, pad: 1 });
  x = relu(x, 'relu');
  x = net.op('MaxPool', [x], { kernel_shape: [3, 3], strides: [2, 2], pads: [1, 1, 1, 1], ceil_mode: 0 }, 'maxpool');

  let cin = width;
  let last = x;
  plan.layers.forEach((blocks, stage) => {
    const w = width * 2 ** stage;
    for (let i = 0; i < blocks; i++) {
      const name = `layer${stage + 1}.${i}`;
      const stride = i === 0 && stage > 0 ? 2 : 1;
      const cout = plan.block === 'basic' ? w : w * 4;
      let y: string;
      if (plan.block === 'basic') {
        y = relu(convBn(x, `${name}.conv1`, `${name}.bn1`, { cin, cout: w, k: 3, stride, pad: 1 }), `${name}.relu1`);
        y = convBn(y, `${name}.conv2`, `${name}.bn2`, { cin: w, cout: w, k: 3, pad: 1, gain: BRANCH_GAIN });
      } else {
        // torchvision v1.5: the stride sits on the 3x3 conv
        y = relu(convBn(x, `${name}.conv1`, `${name}.bn1`, { cin, cout: w, k: 1 }), `${name}.relu1`);
        y = relu(convBn(y, `${name}.conv2`, `${name}.bn2`, { cin: w, cout: w, k: 3, stride, pad: 1 }), `${name}.relu2`);
        y = convBn(y, `${name}.conv3`, `${name}.bn3`, { cin: w, cout, k: 1, gain: BRANCH_GAIN });
      }
      const skip =
        stride !== 1 || cin !== cout ? convBn(x, `${name}.downsample.0`, `${name}.downsample.1`, { cin, cout, k: 1, stride }) : x;
      x = relu(net.op('Add', [y, skip], {}, `${name}.add`), name);
      last = x;
      cin = cout;
    }
  });

  const pooled = net.op('Flatten', [net.op('GlobalAveragePool', [x], {}, 'avgpool')], { axis: 1 }, 'flatten');
  const fcW = net.normal('fc.weight', [opts.classes, cin], 1 / Math.sqrt(cin));
  const fcB = net.normal('fc.bias', [opts.classes], 0.1);
  net.b.op('Gemm', [pooled, fcW, fcB], { transB: 1 }, { outputs: ['logits'] });
  net.b.output('logits', net.dtype, ['batch', opts.classes]);

  net.meta(MODEL_META.dim('batch'), 1);
  net.meta(MODEL_META.targetLayer, last);
  return net.graph;
}
