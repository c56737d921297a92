/**
 * Open grounders, one onnxruntime session per model shared by all requests (sessions are
 * thread-safe and the first load is the slow part), and grounding.detect on top of them
 * through vps-search's ground() (the entry point `gradloc detect` uses too).
 */
import type { RgbImage, RuntimeOptions } from '@gradloc/tensor-backend';
import { ground, OnnxGrounder, type GroundOptions, type PixelDetection } from '@gradloc/vps-search';
import { openGrounder, type GrounderSource } from '@gradloc/models';
import type { ModelRegistry } from './registry.js';

export const DEFAULT_GROUNDER = 'shapes-grounder-gwq4';

export type { PixelDetection };

export interface OpenedGrounder {
  readonly name: string;
  readonly detector: OnnxGrounder;
  /** How the model was opened: its card, CAM layer, query encoder and closed vocabulary. */
  readonly source: GrounderSource;
}

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
      g = Promise.resolve().then(async () => {
        const source = await openGrounder(entry.dir, { runtime: this.runtime });
        return { name: entry.name, detector: new OnnxGrounder(source), source };
      });
      this.opened.set(entry.name, g);
      g.catch(() => this.opened.delete(entry.name)); // a failed open is retried next time
    }
    return g;
  }

  /** Throws the model's own BAD_INPUT (unknown words, listing the ones it knows) for a query it cannot read. */
  async checkQuery(name: string | undefined, query: string): Promise<void> {
    (await this.open(name)).source.encodeQuery(query);
  }

  /** Every query's detections, boxes in the picture's pixels, best first per query (NMS per query). */
  async detect(name: string | undefined, picture: RgbImage, queries: readonly string[], o: Pick<GroundOptions, 'threshold' | 'iou'> = {}): Promise<PixelDetection[]> {
    const { detector } = await this.open(name);
    return (await ground({ detector, image: picture, queries, ...o })).detections;
  }

  async release(): Promise<void> {
    const all = [...this.opened.values()];
    this.opened.clear();
    for (const g of all) await (await g.catch(() => undefined))?.detector.release();
  }
}
