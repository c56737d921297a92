/**
 * Detectors whose scores are known by construction, for search tests. The image is all ones
 * and hidden pixels become 0 (black baseline), so what a detector sees is exactly which
 * pixels are revealed. Every detector returns one prediction: the target box itself, with a
 * score computed from the revealed pixels, so targetScore = that score.
 */
import { tensor, type Box, type Tensor, type PlanarImage } from '@gradloc/tensor-backend';
import type { Detector, Predictions } from '../src/detector/types.js';

export const TARGET_BOX: Box = [0.25, 0.25, 0.75, 0.75];

/** A detector scoring each image by f(revealed fraction of each region). */
export class ToyDetector implements Detector {
  calls = 0;
  images = 0;

  constructor(
    readonly height: number,
    readonly width: number,
    private readonly labels: Int32Array,
    private readonly count: number,
    private readonly f: (revealed: Float64Array) => number,
  ) {}

  async detect(images: Tensor<'float32'>): Promise<Predictions[]> {
    this.calls++;
    const [B] = images.dims;
    const plane = this.height * this.width;
    const data = images.data as Float32Array;
    const out: Predictions[] = [];
    for (let b = 0; b < B; b++) {
      const revealed = new Float64Array(this.count);
      const size = new Float64Array(this.count);
      for (let i = 0; i < plane; i++) {
        size[this.labels[i]]++;
        revealed[this.labels[i]] += data[b * 3 * plane + i];
      }
      for (let r = 0; r < this.count; r++) revealed[r] /= size[r];
      out.push({ boxes: Float32Array.from(TARGET_BOX), scores: Float32Array.from([this.f(revealed)]) });
      this.images++;
    }
    return out;
  }

  async release(): Promise<void> {}
}

export const onesImage = (h: number, w: number): PlanarImage => ({ height: h, width: w, data: new Float32Array(3 * h * w).fill(1) });
export const blackBaseline = (h: number, w: number): Float32Array => new Float32Array(3 * h * w);
export const asTensor = (img: PlanarImage): Tensor<'float32'> => tensor('float32', [1, 3, img.height, img.width], img.data);
