/**
 * The scene-coordinate network's shape: a small CNN at stride 8 (OFVL-MS/UFVL-Net use an
 * SE-ResNet at stride 8 on 640x480; this one is sized for 160x120 frames and 2 CPU cores),
 * then a per-scene 1x1 head predicting (x, y, z) in metres and an uncertainty per cell.
 */
import { GradlocError } from '@gradloc/tensor-backend';

export interface ConvLayerSpec {
  readonly cout: number;
  readonly k: number;
  readonly stride: number;
  readonly dilation: number;
}

export interface NetworkSpec {
  /** Input frame size (pixels). */
  readonly width: number;
  readonly height: number;
  /** Backbone conv layers, each followed by a per-scene BatchNorm and ReLU. */
  readonly layers: readonly ConvLayerSpec[];
  /** Hidden channels of the per-scene head (1x1 conv, ReLU, 1x1 conv to 4 outputs). */
  readonly headHidden: number;
}

/**
 * 160x120 -> 20x15 cells. Dilated last layers widen the receptive field to about 100 px, so
 * a cell sees enough of the wall around it to tell where it is. The stride-8 layers are the
 * widest: on the rooms the network underfits, and at equal training time 128 channels there
 * beat 64 (a one-off 1500-step probe, 2026-12-05: median cell error 11-26 cm per room against
 * 18-40 cm, 1.6x the time per step).
 */
export const DEFAULT_NETWORK: NetworkSpec = {
  width: 160,
  height: 120,
  layers: [
    { cout: 16, k: 3, stride: 2, dilation: 1 },
    { cout: 32, k: 3, stride: 2, dilation: 1 },
    { cout: 32, k: 3, stride: 1, dilation: 1 },
    { cout: 64, k: 3, stride: 2, dilation: 1 },
    { cout: 128, k: 3, stride: 1, dilation: 1 },
    { cout: 128, k: 3, stride: 1, dilation: 2 },
    { cout: 128, k: 3, stride: 1, dilation: 2 },
  ],
  headHidden: 128,
};

/** Output stride of the network (product of the layer strides). */
export const strideOf = (spec: NetworkSpec): number => spec.layers.reduce((s, l) => s * l.stride, 1);

/** Cells of the output grid; the input size must be a multiple of the stride. */
export function gridOf(spec: NetworkSpec): { readonly cols: number; readonly rows: number; readonly stride: number } {
  const stride = strideOf(spec);
  if (spec.width % stride !== 0 || spec.height % stride !== 0) {
    throw new GradlocError('BAD_INPUT', `input ${spec.width}x${spec.height} is not a multiple of the network's stride ${stride}`);
  }
  return { cols: spec.width / stride, rows: spec.height / stride, stride };
}

/**
 * The pixel a cell's prediction belongs to: the cell's centre pixel, (stride/2 + stride*j,
 * stride/2 + stride*i), with integer pixel coordinates at pixel centres (OpenCV's convention;
 * UFVL-Net samples targets at [4::8, 4::8] and gives PnP the same pixels).
 */
export const cellPixel = (stride: number, index: number): number => stride / 2 + stride * index;

/**
 * How layers are shared across scenes:
 * - 'adaptive': OFVL-MS - each conv layer has a shared and a per-scene weight and a learned
 *   score picks one (shared while the score is <= 0.5);
 * - 'shared': every conv layer shared (only BatchNorm and head per scene);
 * - 'separate': nothing shared (one model per scene).
 */
export type Sharing = 'adaptive' | 'shared' | 'separate';
export const SHARINGS: readonly Sharing[] = ['adaptive', 'shared', 'separate'];
