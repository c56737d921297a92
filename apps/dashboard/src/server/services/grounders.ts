/**
 * Open grounders, one onnxruntime session per model shared by all requests (sessions are
 * thread-safe and the first load is the slow part), and grounding.detect on top of them.
 */
import { tensor, type RuntimeOptions, type Tensor } from '@gradloc/tensor-backend';
import type { RgbImage } from '@gradloc/cam-explain';
import { detections, OnnxGrounder, planarFromRgb, type PlanarImage } from '@gradloc/vps-search';
import { openGrounder } from '@gradloc/models';
import type { ModelRegistry } from './registry.js';

export const DEFAULT_GROUNDER = 'shapes-grounder-gwq4';

export interface OpenedGrounder {
  readonly name: string;
  readonly detector: OnnxGrounder;
  /** The card's suggested CAM layer (box Grad-CAM), when it has one. */
  readonly camLayer?: string;
}

export interface PixelDetection {
  readonly query: string;
  /** [x0, y0, x1, y1] in pixels of the image given. */
  readonly box: [number, number, number, number];
  readonly score: number;
}

const round2 = (v: number): number => Math.round(v * 100) / 100;

export class Grounders {
  private readonly opened = new Map<string, Promise<OpenedGrounder>>();

  constructor(
    private readonly registry: ModelRegistry,
    private readonly runtime: RuntimeOptions = {},
  ) {}

  open(name: string = DEFAULT_GROUNDER): Promise<OpenedGrounder> {
    const entry = this.registry.get(name, 'grounder');
    let g = this.opened.get(entry.name);
    if (!g) {
      g = Promise.resolve().then(() => {
        const source = openGrounder(entry.dir, { runtime: this.runtime });
        const detector = new OnnxGrounder({ model: source.model, encodeQuery: source.encodeQuery, normalize: source.normalize, size: source.size });
        return { name: entry.name, detector, camLayer: source.camLayer };
      });
      this.opened.set(entry.name, g);
      g.catch(() => this.opened.delete(entry.name)); // a failed open is retried next time
    }
    return g;
  }

  /** A planar image (planarFromRgb at the detector's size) as a [1, 3, H, W] batch in [0, 1]. */
  static batchOf(planar: PlanarImage): Tensor<'float32'> {
    return tensor('float32', [1, 3, planar.height, planar.width], planar.data);
  }

  /** Every query's detections at or above `threshold`, boxes in the picture's pixels, best first per query. */
  async detect(name: string | undefined, picture: RgbImage, queries: readonly string[], threshold: number | undefined): Promise<PixelDetection[]> {
    const { detector } = await this.open(name);
    const images = Grounders.batchOf(planarFromRgb(picture, detector.width, detector.height));
    const out: PixelDetection[] = [];
    const perQuery = await detector.detectAll(images, queries); // one forward pass for all queries
    for (const [q, query] of queries.entries()) {
      for (const d of detections(perQuery[q][0], { threshold })) {
        const [x0, y0, x1, y1] = d.box;
        out.push({ query, box: [round2(x0 * picture.width), round2(y0 * picture.height), round2(x1 * picture.width), round2(y1 * picture.height)], score: d.score });
      }
    }
    return out;
  }

  async release(): Promise<void> {
    const all = [...this.opened.values()];
    this.opened.clear();
    for (const g of all) await (await g.catch(() => undefined))?.detector.release();
  }
}
