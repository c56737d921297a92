/**
 * explain.cam and explain.compare: any cam-explain method on a registered classifier, for an
 * uploaded picture. The picture is resized to the model's input and normalised as its card
 * says; maps come back at the picture's size as overlays, with faithfulness metrics computed
 * on the model (deletion/insertion curves for compare).
 */
import { argmaxRow, classTarget, createMethod, deletionInsertion, LAYER_METHODS, metricsReport, overlay, resizeMap, resizeRGB, type CamResult, type ExplainRequest, type MethodName, type MetricsReport, type RgbImage } from '@gradloc/cam-explain';
import { GradlocError, tensor, type RuntimeOptions } from '@gradloc/tensor-backend';
import { planarFromRgb } from '@gradloc/vps-search';
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

export interface Prediction {
  readonly classIndex: number;
  readonly label: string;
  readonly score: number;
  readonly probabilities: { readonly label: string; readonly p: number }[];
}

export interface MethodExplanation {
  readonly method: MethodName;
  /** The map over the picture (data:image/png). */
  readonly overlay: string;
  readonly ms: number;
}

export interface CurvePoints {
  readonly fractions: number[];
  readonly insertion: number[];
  readonly deletion: number[];
}

function softmax(logits: ArrayLike<number>): number[] {
  const m = Math.max(...Array.from(logits));
  const e = Array.from(logits, (v) => Math.exp(v - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
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

  private async prepare(picture: RgbImage, o: ExplainOptions): Promise<{ c: OpenedClassifier; request: Omit<ExplainRequest, 'layers'>; prediction: Prediction }> {
    const c = this.open(o.model ?? DEFAULT_CLASSIFIER);
    const { size } = c.preprocessing;
    const planar = planarFromRgb(picture, size, size);
    const input = c.prepare(tensor('float32', [1, 3, size, size], planar.data));
    const inputName = c.input;
    const output = c.output;
    const feeds = { [inputName]: input };
    const logits = (await c.model.run(feeds, [output]))[output];
    const labels = c.labels;
    const probs = softmax(logits.data as Float32Array);
    let classIndex: number;
    if (o.target === undefined) classIndex = argmaxRow(logits, 0);
    else if (typeof o.target === 'number') classIndex = o.target;
    else classIndex = labels.indexOf(o.target);
    if (!(Number.isInteger(classIndex) && classIndex >= 0 && classIndex < probs.length)) {
      throw new GradlocError('BAD_INPUT', `target '${o.target}' is not a class of ${c.card.name}; classes: ${labels.map((l, i) => `${i} ${l}`).join(', ')}`);
    }
    const prediction = {
      classIndex,
      label: labels[classIndex] ?? String(classIndex),
      score: probs[classIndex],
      probabilities: probs.map((p, i) => ({ label: labels[i] ?? String(i), p })),
    };
    return { c, request: { model: c.model, feeds, target: classTarget({ output, classes: [classIndex] }), input: inputName }, prediction };
  }

  private async run(c: OpenedClassifier, request: Omit<ExplainRequest, 'layers'>, method: MethodName, picture: RgbImage): Promise<{ result: CamResult; explanation: MethodExplanation }> {
    const layer = c.camLayers[0];
    if (LAYER_METHODS.includes(method) && !layer) throw new GradlocError('BAD_MODEL', `${c.card.name} suggests no CAM layer; pick an input-attribution method`);
    const t0 = performance.now();
    const result = await createMethod(method, {}).explain({ ...request, layers: LAYER_METHODS.includes(method) ? [{ name: layer as string }] : [] });
    const ms = performance.now() - t0;
    const scale = Math.min(1, OVERLAY_MAX_SIDE / Math.max(picture.width, picture.height));
    const shown = scale < 1 ? resizeRGB(picture, Math.max(1, Math.round(picture.width * scale)), Math.max(1, Math.round(picture.height * scale))) : picture;
    const map = resizeMap({ width: result.width, height: result.height, data: result.maps.subarray(0, result.width * result.height) }, shown.width, shown.height);
    return { result, explanation: { method, overlay: await pngDataUrl(overlay(shown, map)), ms: Math.round(ms) } };
  }

  /** One method: overlay + the metrics report (insertion/deletion AUC, average drop, increase in confidence). */
  async cam(picture: RgbImage, method: MethodName, o: ExplainOptions): Promise<{ prediction: Prediction; explanation: MethodExplanation; metrics: MetricsReport }> {
    const { c, request, prediction } = await this.prepare(picture, o);
    const { result, explanation } = await this.run(c, request, method, picture);
    const metrics = await metricsReport(request, result);
    return { prediction, explanation, metrics };
  }

  /** Several methods on the same prediction, each with its deletion and insertion curves. */
  async compare(picture: RgbImage, methods: readonly MethodName[], o: ExplainOptions): Promise<{ prediction: Prediction; methods: (MethodExplanation & { insertionAuc: number; deletionAuc: number; curves: CurvePoints })[] }> {
    const { c, request, prediction } = await this.prepare(picture, o);
    const out = [];
    for (const method of methods) {
      const { result, explanation } = await this.run(c, request, method, picture);
      const { insertion, deletion } = await deletionInsertion(request, result);
      out.push({
        ...explanation,
        insertionAuc: insertion.meanAuc,
        deletionAuc: deletion.meanAuc,
        curves: { fractions: Array.from(insertion.fractions), insertion: Array.from(insertion.curves[0]), deletion: Array.from(deletion.curves[0]) },
      });
    }
    return { prediction, methods: out };
  }

  async release(): Promise<void> {
    const all = [...this.opened.values()];
    this.opened.clear();
    for (const c of all) await c.model.release();
  }
}
