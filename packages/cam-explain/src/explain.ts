/**
 * The high-level entry point: one call from a classifier and its input (a picture or
 * ready-made feeds) to the map, the prediction it explains, an overlay and the faithfulness
 * metrics. `gradloc cam`, the dashboard's explain.cam / explain.compare and the reports call
 * this; the methods, targets and metrics below it stay available for finer control.
 */
import {
  GradlocError,
  imageBatch,
  overlay,
  planarFromRgb,
  resizeMap,
  resizeRGB,
  toRgbImage,
  type ChannelNorm,
  type DecodeLimits,
  type Feeds,
  type ImageInput,
  type MapPlane,
  type OnnxModel,
  type OverlayOptions,
  type RgbImage,
  type Tensor,
} from '@gradloc/tensor-backend';
import { imageInput, type CamResult, type ExplainRequest } from './cam/base-cam.js';
import { withOutputs, type LayerSpec } from './capture.js';
import { deletionInsertion, type DeletionInsertionOptions } from './metrics/deletion-insertion.js';
import { metricsReport, type MetricsReport, type MetricsReportOptions } from './metrics/report.js';
import { createMethod, LAYER_METHODS, type MethodName, type MethodOptions } from './methods.js';
import { argmaxRow, classTarget } from './target.js';

/** A picture and how the model wants it: resized to `size`, scaled to [0, 1], standardised by `norm`. */
export interface PictureInput {
  readonly picture: ImageInput;
  readonly size: { readonly width: number; readonly height: number };
  readonly norm?: ChannelNorm;
  /** The model input the picture feeds (default: the model's first input). */
  readonly name?: string;
  readonly limits?: DecodeLimits;
}

/** Ready-made feeds (e.g. .npy files); `input` names the image input whose H x W the maps take. */
export interface FeedsInput {
  readonly feeds: Feeds;
  readonly input?: string;
}

export interface ExplainOptions {
  readonly model: OnnxModel;
  readonly input: PictureInput | FeedsInput;
  readonly method: MethodName;
  readonly methodOptions?: MethodOptions;
  /** Images per model run, for the perturbation methods and the metrics (default: theirs). */
  readonly batchSize?: number;
  /** Layers the CAM methods weigh (names or specs; several are averaged). Ignored by input attributions. */
  readonly layers?: readonly (string | LayerSpec)[];
  /** The logits output [B, C] (default: the model's first output). */
  readonly output?: string;
  /** A class per item, one for all, a label (with `labels`), or 'auto' (default): each item's top class. */
  readonly target?: number | readonly number[] | string | 'auto';
  /** Class names, for labels in the prediction and label targets. */
  readonly labels?: readonly string[];
  /** Also compute the faithfulness report (insertion/deletion AUC, average drop, increase in confidence, ...). */
  readonly metrics?: boolean | MetricsReportOptions;
  /** Also return item 0's deletion and insertion curves (the comparison charts). */
  readonly curves?: boolean | DeletionInsertionOptions;
  /** Render an overlay on the picture (picture inputs; default true), at most `maxSide` px on its long side. */
  readonly overlay?: false | (OverlayOptions & { readonly maxSide?: number });
}

export interface Prediction {
  readonly classIndex: number;
  readonly label: string;
  /** Softmax probability of the explained class. */
  readonly score: number;
  readonly probabilities: readonly { readonly label: string; readonly p: number }[];
}

export interface Explanation {
  readonly method: MethodName;
  /** Maps at the model input's size, as the method returned them (with any warnings). */
  readonly result: CamResult;
  /** The class explained, per batch item. */
  readonly classes: readonly number[];
  /** Item 0's prediction (probabilities over every class). */
  readonly prediction: Prediction;
  /** Item 0's map at the picture's size (picture inputs) or the model input's size. */
  readonly map: MapPlane;
  /** The map over the picture (picture inputs, unless overlay: false). */
  readonly overlay?: RgbImage;
  readonly metrics?: MetricsReport;
  readonly curves?: { readonly fractions: number[]; readonly insertion: number[]; readonly deletion: number[]; readonly insertionAuc: number; readonly deletionAuc: number };
  /** Time of the method's own computation. */
  readonly ms: number;
}

const isPicture = (i: PictureInput | FeedsInput): i is PictureInput => 'picture' in i;

function softmax(row: ArrayLike<number>): number[] {
  let m = -Infinity;
  for (let i = 0; i < row.length; i++) m = Math.max(m, Number(row[i]));
  const e = Array.from(row, (v) => Math.exp(Number(v) - m));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

/** The classes to explain per item, from the logits of one forward pass. */
function resolveClasses(target: ExplainOptions['target'], logits: Tensor, labels: readonly string[] | undefined): number[] {
  const [batch, count] = [logits.dims[0], logits.dims[logits.dims.length - 1]];
  const named = (t: string): number => {
    const i = labels?.indexOf(t) ?? -1;
    if (i < 0) throw new GradlocError('BAD_INPUT', `'${t}' is not a class label${labels?.length ? `; classes: ${labels.map((l, k) => `${k} ${l}`).join(', ')}` : ' (the model has no labels: give a class index)'}`);
    return i;
  };
  const classes =
    target === undefined || target === 'auto'
      ? Array.from({ length: batch }, (_, b) => argmaxRow(logits, b))
      : typeof target === 'string'
        ? new Array<number>(batch).fill(named(target))
        : typeof target === 'number'
          ? new Array<number>(batch).fill(target)
          : [...target];
  if (classes.length !== batch) throw new GradlocError('BAD_INPUT', `${classes.length} classes given for a batch of ${batch}`);
  for (const c of classes) {
    if (!(Number.isInteger(c) && c >= 0 && c < count)) {
      throw new GradlocError('BAD_INPUT', `class ${c} is out of range: the model has ${count} classes (0..${count - 1})${labels?.length ? `: ${labels.map((l, k) => `${k} ${l}`).join(', ')}` : ''}`);
    }
  }
  return classes;
}

export async function explain(o: ExplainOptions): Promise<Explanation> {
  const { model } = o;
  const output = o.output ?? model.outputNames[0];
  if (output === undefined) throw new GradlocError('BAD_MODEL', 'the model has no outputs');
  let picture: RgbImage | undefined;
  let feeds: Feeds;
  let inputName: string | undefined;
  if (isPicture(o.input)) {
    const p = o.input;
    picture = await toRgbImage(p.picture, 'image', p.limits);
    inputName = p.name ?? model.inputNames[0];
    feeds = { [inputName]: imageBatch(planarFromRgb(picture, p.size.width, p.size.height), p.norm) };
  } else {
    feeds = o.input.feeds;
    inputName = o.input.input;
  }
  const input = imageInput(model, feeds, inputName).name;
  const usesLayers = LAYER_METHODS.includes(o.method);
  const layers: LayerSpec[] = usesLayers ? (o.layers ?? []).map((l) => (typeof l === 'string' ? { name: l } : l)) : [];
  if (usesLayers && layers.length === 0) throw new GradlocError('BAD_INPUT', `${o.method} needs a layer whose activations it weighs (the model card's camLayers, or --layer)`);

  // one forward pass fixes the classes (so 'auto' is reported and scored as explained) and the prediction
  const logits = (await withOutputs(model, [output], feeds).run(feeds, [output]))[output];
  const classes = resolveClasses(o.target, logits, o.labels);
  const request: ExplainRequest = { model, feeds, target: classTarget({ output, classes }), layers, input };
  const t0 = performance.now();
  const result = await createMethod(o.method, { ...o.methodOptions, batchSize: o.batchSize ?? o.methodOptions?.batchSize }).explain(request);
  const ms = performance.now() - t0;

  const width = logits.dims[logits.dims.length - 1];
  const probs = softmax(Array.from(logits.data as ArrayLike<number>).slice(0, width));
  const labelOf = (i: number): string => o.labels?.[i] ?? String(i);
  const prediction: Prediction = {
    classIndex: classes[0],
    label: labelOf(classes[0]),
    score: probs[classes[0]],
    probabilities: probs.map((p, i) => ({ label: labelOf(i), p })),
  };

  const item0: MapPlane = { width: result.width, height: result.height, data: result.maps.subarray(0, result.width * result.height) };
  const map = picture ? resizeMap(item0, picture.width, picture.height) : item0;
  let shown: RgbImage | undefined;
  if (picture && o.overlay !== false) {
    const maxSide = o.overlay?.maxSide ?? Infinity;
    const scale = Math.min(1, maxSide / Math.max(picture.width, picture.height));
    const base = scale < 1 ? resizeRGB(picture, Math.max(1, Math.round(picture.width * scale)), Math.max(1, Math.round(picture.height * scale))) : picture;
    shown = overlay(base, resizeMap(item0, base.width, base.height), o.overlay || {});
  }
  const metricRequest = { model, feeds, target: request.target, input, batchSize: o.batchSize };
  const metrics = o.metrics ? await metricsReport(metricRequest, result, o.metrics === true ? {} : o.metrics) : undefined;
  let curves: Explanation['curves'];
  if (o.curves) {
    const { insertion, deletion } = await deletionInsertion(metricRequest, result, o.curves === true ? {} : o.curves);
    curves = {
      fractions: Array.from(insertion.fractions),
      insertion: Array.from(insertion.curves[0]),
      deletion: Array.from(deletion.curves[0]),
      insertionAuc: insertion.meanAuc,
      deletionAuc: deletion.meanAuc,
    };
  }
  return { method: o.method, result, classes, prediction, map, overlay: shown, metrics, curves, ms };
}
