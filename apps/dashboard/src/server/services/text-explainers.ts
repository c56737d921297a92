/**
 * explain.text: which regions of a picture and which words of a caption (or grounding query)
 * make them match, for the registered dual encoders (shapes-clip) and grounders, through
 * cam-explain's explainText (the entry `gradloc clip-explain` uses too). One open model per
 * name, shared by requests; MMEL-style layer weights from the model folder's calibration, as
 * the CLI reads them.
 */
import { encodeNpy, GradlocError, heatmapRGB, overlay, resizeMap, resizeRGB, tensor, type RgbImage, type RuntimeOptions } from '@gradloc/tensor-backend';
import { explainText, releaseSimilarityModels, type TextToken, type VlMethod } from '@gradloc/cam-explain';
import { openTextImageModel, readMmelCalibration, type GrounderSource } from '@gradloc/models';
import type { ModelRegistry } from './registry.js';
import { pngDataUrl } from './uploads.js';

export const DEFAULT_TEXT_MODEL = 'shapes-clip';
const OVERLAY_MAX_SIDE = 384;

export interface TextMethodView {
  readonly method: VlMethod;
  /** The map over the picture and the map alone (data:image/png), at most 384 px on the long side. */
  readonly overlay: string;
  readonly heatmap: string;
  /** float32 [H, W] in [0, 1] at the picture's size, as a .npy file (base64). */
  readonly mapNpy: string;
  readonly insertionAuc: number;
  readonly deletionAuc: number;
  readonly ms: number;
  /** The caption's token weights (gradient methods); empty for the attention baselines. */
  readonly tokens: readonly TextToken[];
  readonly warnings: readonly string[];
}

export interface TextExplanationView {
  readonly model: string;
  readonly kind: 'dual-encoder' | 'grounder';
  readonly score: number;
  readonly scoreDescription: string;
  /** Where the MMEL-style layer weights came from. */
  readonly mmelWeights: string;
  readonly methods: readonly TextMethodView[];
}

interface Opened {
  readonly source: GrounderSource;
  readonly layerLogits?: readonly number[];
}

export class TextExplainers {
  private readonly opened = new Map<string, Promise<Opened>>();

  constructor(
    private readonly registry: ModelRegistry,
    private readonly runtime: RuntimeOptions = {},
  ) {}

  private open(name: string): Promise<Opened> {
    const entry = this.registry.get(name);
    if (entry.kind !== 'dual-encoder' && entry.kind !== 'grounder') {
      const names = [...this.registry.list('dual-encoder'), ...this.registry.list('grounder')].map((m) => m.name);
      throw new GradlocError('BAD_INPUT', `'${name}' is a ${entry.kind}; explain.text takes a dual encoder or a grounder: ${names.join(', ')}`);
    }
    let o = this.opened.get(entry.name);
    if (!o) {
      o = openTextImageModel(entry.dir, { runtime: this.runtime }, entry.kind).then((source) => ({ source, layerLogits: readMmelCalibration(entry.dir)?.layerLogits }));
      this.opened.set(entry.name, o);
      o.catch(() => this.opened.delete(entry.name)); // a failed open is retried next time
    }
    return o;
  }

  async explain(picture: RgbImage, text: string, methods: readonly VlMethod[], o: { model?: string; box?: number } = {}): Promise<TextExplanationView> {
    const name = o.model ?? DEFAULT_TEXT_MODEL;
    const { source, layerLogits } = await this.open(name);
    const r = await explainText({ source, picture, text, methods, box: o.box, options: { mmel: layerLogits ? { blocks: layerLogits.length, layerLogits } : {} } });
    const scale = Math.min(1, OVERLAY_MAX_SIDE / Math.max(r.width, r.height));
    const shown = { width: Math.max(1, Math.round(r.width * scale)), height: Math.max(1, Math.round(r.height * scale)) };
    const views: TextMethodView[] = [];
    for (const m of r.methods) {
      const small = resizeMap({ width: r.width, height: r.height, data: m.map }, shown.width, shown.height);
      const base = resizeRGB(picture, shown.width, shown.height);
      views.push({
        method: m.method,
        overlay: await pngDataUrl(overlay(base, small, {})),
        heatmap: await pngDataUrl(heatmapRGB(small.data, small.height, small.width)),
        mapNpy: Buffer.from(encodeNpy(tensor('float32', [r.height, r.width], m.map))).toString('base64'),
        insertionAuc: m.insertionAuc ?? NaN,
        deletionAuc: m.deletionAuc ?? NaN,
        ms: Math.round(m.ms),
        tokens: m.tokens ?? [],
        warnings: m.warnings,
      });
    }
    return { model: name, kind: r.kind, score: r.score, scoreDescription: r.scoreDescription, mmelWeights: layerLogits ? 'calibrated (mmel.json)' : 'equal', methods: views };
  }

  async release(): Promise<void> {
    const all = await Promise.allSettled([...this.opened.values()]);
    this.opened.clear();
    for (const r of all) {
      if (r.status === 'rejected') continue;
      const { source } = r.value;
      await releaseSimilarityModels(source.model);
      await source.model.release();
    }
  }
}
