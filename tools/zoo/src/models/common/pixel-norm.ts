/**
 * Per-channel standardisation inside the graph, so a shipped model takes pixels in [0, 1]
 * (what the generator draws and what explanation methods perturb) and callers need no
 * preprocessing beyond resizing.
 */
import { tensor, type Net } from '@gradloc/tensor-backend';
import { SHAPES_MEAN, SHAPES_STD, type Rgb } from '@gradloc/models';

/** (pixels - mean) / std per channel of [B, 3, H, W] pixels; the output is named `pixel_norm`. */
export function normalizePixels(net: Net, pixels: string, mean: Rgb = SHAPES_MEAN, std: Rgb = SHAPES_STD): string {
  const { b } = net;
  // Constant nodes, not initializers: every float initializer is a trainable weight
  const channels = (name: string, v: Rgb): string => b.op('Constant', [], { value: tensor('float32', [1, 3, 1, 1], v) }, { outputs: [b.fresh(name)] });
  return net.op('Div', [net.op('Sub', [pixels, channels('pixel_mean', mean)]), channels('pixel_std', std)], {}, 'pixel_norm');
}
