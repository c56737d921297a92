/**
 * explain.cam and explain.compare: any cam-explain method on a registered classifier, for an
 * uploaded picture, through cam-explain's explain() (the entry point `gradloc cam` uses too).
 * The card gives the input size, normalisation, labels and CAM layer (openClassifier); maps
 * come back as overlays on the picture, with the raw map (.npy) and the heatmap (PNG) for
 * download, any warnings, and faithfulness metrics or curves computed on the model.
 */
import { encodeNpy, GradlocError, heatmapRGB, resizeMap, tensor, type RgbImage, type RuntimeOptions } from '@gradloc/tensor-backend';
import { explain, LAYER_METHODS, type Explanation, type MethodName, type MetricsReport, type Prediction } from '@gradloc/cam-explain';
import { openClassifier, type OpenedClassifier } from '@gradloc/models';
import type { ModelRegistry } from './registry.js';
import { pngDataUrl } from './uploads.js';

export const DEFAULT_CLASSIFIER = 'shapes-resnet';
/** Overlays are sent at most this many pixels on the long side. */
const OVERLAY_MAX_SIDE = 384;

export interface ExplainOptions {
  readonly model?: string;
  /** A class index or label; default: the model's top class. */
  readonly target?: number | string;
}

export type { Prediction };

export interface MethodExplanation {
  readonly method: MethodName;
  /** The map over the picture (data:image/png). */
  readonly overlay: string;
  /** The map alone through the colormap, at the overlay's size (data:image/png). */
  readonly heatmap: string;
  /** The map as computed, float32 [H, W] in [0, 1] at the model input's size, as a .npy file (base64). */
  readonly mapNpy: string;
  /** Why a map is empty or degenerate, when it is (CamResult.warnings); empty otherwise. */
  readonly warnings: readonly string[];
  readonly ms: number;
}

export interface CurvePoints {
  readonly fractions: number[];
  readonly insertion: number[];
  readonly deletion: number[];
}

export class Explainers {
  private readonly opened = new Map<string, OpenedClassifier>();

  constructor(
    private readonly registry: ModelRegistry,
    private readonly runtime: RuntimeOptions = {},
  ) {}

  private open(name: string): OpenedClassifier {
    const entry = this.registry.get(name, 'classifier');
    let c = this.opened.get(entry.name);
    if (!c) {
      c = openClassifier(entry.dir, { runtime: this.runtime });
      this.opened.set(entry.name, c);
    }
    return c;
  }

  /** The class names of a registered classifier (the Explain page's class choice). */
  labels(name: string = DEFAULT_CLASSIFIER): readonly string[] {
    return this.open(name).labels;
  }

  private explain(picture: RgbImage, method: MethodName, o: ExplainOptions, extra: { metrics?: boolean; curves?: boolean }): Promise<Explanation> {
    const c = this.open(o.model ?? DEFAULT_CLASSIFIER);
    const layer = c.camLayers[0];
    if (LAYER_METHODS.includes(method) && !layer) throw new GradlocError('BAD_MODEL', `${c.name} suggests no CAM layer; pick an input-attribution method`);
    const { size, inGraph, mean, std } = c.preprocessing;
    return explain({
      model: c.model,
      input: { picture, size: { width: size, height: size }, norm: inGraph ? undefined : { mean, std }, name: c.input },
      output: c.output,
      labels: c.labels,
      method,
      layers: layer ? [layer] : [],
      target: o.target,
      overlay: { maxSide: OVERLAY_MAX_SIDE },
      ...extra,
    });
  }

  private static async view(e: Explanation): Promise<MethodExplanation> {
    const shown = e.overlay as RgbImage; // picture inputs always get one
    const r = e.result;
    const plane = r.maps.subarray(0, r.width * r.height);
    const heat = resizeMap({ width: r.width, height: r.height, data: plane }, shown.width, shown.height);
    return {
      method: e.method,
      overlay: await pngDataUrl(shown),
      heatmap: await pngDataUrl(heatmapRGB(heat.data, heat.height, heat.width)),
      mapNpy: Buffer.from(encodeNpy(tensor('float32', [r.height, r.width], Float32Array.from(plane)))).toString('base64'),
      warnings: r.warnings,
      ms: Math.round(e.ms),
    };
  }

  /** One method: overlay + the metrics report (insertion/deletion AUC, average drop, increase in confidence). */
  async cam(picture: RgbImage, method: MethodName, o: ExplainOptions): Promise<{ prediction: Prediction; explanation: MethodExplanation; metrics: MetricsReport }> {
    const e = await this.explain(picture, method, o, { metrics: true });
    return { prediction: e.prediction, explanation: await Explainers.view(e), metrics: e.metrics as MetricsReport };
  }

  /** Several methods on the same prediction, each with its deletion and insertion curves. */
  async compare(picture: RgbImage, methods: readonly MethodName[], o: ExplainOptions): Promise<{ prediction: Prediction; methods: (MethodExplanation & { insertionAuc: number; deletionAuc: number; curves: CurvePoints })[] }> {
    const out = [];
    let prediction: Prediction | undefined;
    for (const method of methods) {
      const e = await this.explain(picture, method, o, { curves: true });
      prediction ??= e.prediction;
      const c = e.curves!;
      out.push({ ...(await Explainers.view(e)), insertionAuc: c.insertionAuc, deletionAuc: c.deletionAuc, curves: { fractions: c.fractions, insertion: c.insertion, deletion: c.deletion } });
    }
    return { prediction: prediction as Prediction, methods: out };
  }

  async release(): Promise<void> {
    const all = [...this.opened.values()];
    this.opened.clear();
    for (const c of all) await c.model.release();
  }
}
