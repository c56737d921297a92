/**
 * Test-time augmentation for `augSmooth` (pytorch-grad-cam's aug_smooth uses ttach with
 * horizontal flips and brightness multipliers): each augmented image is explained, the map is
 * mapped back to the original frame, and the maps are averaged, which suppresses noise that
 * does not follow the object. Flips move boxes, so only targets that do not depend on
 * positions (classes, embeddings) should use it.
 */
import { tensor, type Tensor } from '@gradloc/tensor-backend';

export interface Augmentation {
  readonly input: Tensor;
  /** The unchanged image (no flip, brightness 1): its scores are the original input's. */
  readonly identity: boolean;
  /** For messages: "flip, brightness 1.1". */
  readonly label: string;
  /** Maps [B, H, W] of the augmented image -> the original image's frame. */
  undo(maps: Float32Array, batch: number, height: number, width: number): Float32Array;
}

const BRIGHTNESS = [0.9, 1, 1.1] as const;

function flipLastAxis(data: ArrayLike<number>, rows: number, width: number): Float32Array {
  const out = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) for (let x = 0; x < width; x++) out[r * width + x] = data[r * width + width - 1 - x];
  return out;
}

export function augmentations(image: Tensor): Augmentation[] {
  const [B, C, H, W] = image.dims;
  const src = image.data as ArrayLike<number>;
  const out: Augmentation[] = [];
  for (const flip of [false, true]) {
    const base = flip ? flipLastAxis(src, B * C * H, W) : Float32Array.from(src);
    for (const m of BRIGHTNESS) {
      out.push({
        input: tensor(image.dtype, image.dims, image.dtype === 'float32' ? base.map((v) => v * m) : Array.from(base, (v) => v * m)),
        identity: !flip && m === 1,
        label: `${flip ? 'flip' : 'no flip'}, brightness ${m}`,
        undo: (maps, batch, h, w) => (flip ? flipLastAxis(maps, batch * h, w) : maps),
      });
    }
  }
  return out;
}
