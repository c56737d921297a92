/**
 * From a picture and a caption (or grounding query) to the explanations `gradloc
 * clip-explain` prints and the dashboard's explain.text shows: the model's pixels made from the
 * picture (resized to the model's input, normalised when the model wants it), the text
 * encoded by the model's own tokenizer, then per method the image map (at the PICTURE's size),
 * the caption's token weights, the causal AUCs and the time taken. The model kind is read off
 * its outputs: image_embeds + text_embeds is a dual encoder (the cosine is explained), logits
 * [1, boxes, queries] a grounder (the best box's logit for the query, or a given box).
 */
import { cropMap, GradlocError, imageBatch, preparePicture, resizeBilinear, type Box, type Feeds, type OnnxModel, type PreparedPicture, type RgbImage } from '@gradloc/tensor-backend';
import { explainImageText, type ImageTextOptions, type ImageTextScore, type VlMethod } from './image-text.js';
import { imageTextAuc, type ImageTextAucOptions } from './image-text-metrics.js';

/** What a loader gives (structurally @gradloc/models' GrounderSource). */
export interface TextImageModel {
  readonly model: OnnxModel;
  readonly encodeQuery: (text: string) => Feeds;
  readonly queryTokens?: (text: string) => string[];
  readonly normalize?: { readonly mean: readonly [number, number, number]; readonly std: readonly [number, number, number] };
  readonly size?: { readonly height: number; readonly width: number };
  /** The picture at the input size in [0, 1] (a Hugging Face folder's image processor); default a bilinear resize. */
  readonly prepare?: (picture: RgbImage) => Promise<PreparedPicture>;
}

export interface ExplainTextRequest {
  readonly source: TextImageModel;
  readonly picture: RgbImage;
  readonly text: string;
  readonly methods: readonly VlMethod[];
  /** Insertion/deletion AUCs per method (default true). */
  readonly metrics?: boolean | ImageTextAucOptions;
  /** Grounders: the box explained (default: the best for the text). */
  readonly box?: number;
  readonly options?: ImageTextOptions;
}

export interface TextToken {
  readonly position: number;
  readonly token: string;
  readonly weight: number;
}

export interface MethodExplanation {
  readonly method: VlMethod;
  /** [height, width] of the picture, in [0, 1]. */
  readonly map: Float32Array;
  readonly grid: { readonly map: Float32Array; readonly rows: number; readonly cols: number };
  readonly insertionAuc?: number;
  readonly deletionAuc?: number;
  /** Time of the explanation alone (not of the metrics). */
  readonly ms: number;
  /** Token weights (gradient methods). */
  readonly tokens?: readonly TextToken[];
  readonly warnings: readonly string[];
}

export interface TextExplanation {
  readonly kind: 'dual-encoder' | 'grounder';
  readonly score: number;
  readonly scoreDescription: string;
  readonly width: number;
  readonly height: number;
  readonly methods: readonly MethodExplanation[];
}

const PIXEL_INPUT = 'pixel_values';

function modelKind(model: OnnxModel): { kind: TextExplanation['kind']; score: ImageTextScore } {
  const outs = model.outputNames;
  // grounders first: OWL-ViT exports also return image_embeds (a patch grid) and text_embeds
  if (outs.includes('logits') && outs.includes('pred_boxes')) return { kind: 'grounder', score: { kind: 'box' } };
  if (outs.includes('image_embeds') && outs.includes('text_embeds')) return { kind: 'dual-encoder', score: { kind: 'similarity' } };
  if (outs.includes('logits')) return { kind: 'grounder', score: { kind: 'box' } };
  throw new GradlocError('BAD_MODEL', `not a vision-language model this explains: expected outputs image_embeds + text_embeds (a dual encoder) or logits (a grounder), found ${outs.join(', ')}`);
}

/** The model's [1, 3, H, W] pixels from a picture. */
async function pixelsOf(source: TextImageModel, picture: RgbImage): Promise<{ feeds: Feeds; height: number; width: number; region?: Box }> {
  const input = source.model.graph.inputs.find((i) => i.name === PIXEL_INPUT);
  if (!input) throw new GradlocError('BAD_MODEL', `the model has no '${PIXEL_INPUT}' input (inputs: ${source.model.inputNames.join(', ')})`);
  const [, , dh, dw] = input.dims ?? [];
  const height = typeof dh === 'number' ? dh : source.size?.height;
  const width = typeof dw === 'number' ? dw : source.size?.width;
  if (height === undefined || width === undefined) throw new GradlocError('BAD_MODEL', `'${PIXEL_INPUT}' has no fixed size and the model folder gives none (preprocessor_config.json size)`);
  const { image, region } = await preparePicture(picture, width, height, source.prepare);
  return { feeds: { [PIXEL_INPUT]: imageBatch(image, source.normalize) }, height, width, region };
}

/** Token weights with their strings (positions 1..EOS-1 of the ids). */
function tokensOf(source: TextImageModel, text: string, weights: Float64Array, positions: readonly number[]): TextToken[] {
  const names = source.queryTokens?.(text) ?? [];
  return positions.map((p, i) => ({ position: p, token: names[p] ?? `#${p}`, weight: weights[i] }));
}

export async function explainText(req: ExplainTextRequest): Promise<TextExplanation> {
  const text = req.text.trim();
  if (text === '') throw new GradlocError('BAD_INPUT', 'the text is empty');
  if (req.methods.length === 0) throw new GradlocError('BAD_INPUT', 'no method to run');
  const { model } = req.source;
  const { kind, score } = modelKind(model);
  const textFeeds = req.source.encodeQuery(text); // unknown words fail here, before any compute
  const pixels = await pixelsOf(req.source, req.picture);
  const feeds: Feeds = { ...textFeeds, ...pixels.feeds };
  const { width: W, height: H } = req.picture;
  const metricOpts: ImageTextAucOptions | undefined = req.metrics === false ? undefined : { normalize: req.source.normalize, ...(typeof req.metrics === 'object' ? req.metrics : {}) };
  const methods: MethodExplanation[] = [];
  let explained = { score: NaN, description: '' };
  for (const method of req.methods) {
    const t0 = performance.now();
    const r = await explainImageText({ model, feeds, score: kind === 'grounder' ? { kind: 'box', box: req.box } : score }, method, req.options);
    const ms = performance.now() - t0;
    explained = { score: r.score, description: r.scoreDescription };
    const auc = metricOpts ? await imageTextAuc(r, feeds, PIXEL_INPUT, metricOpts) : undefined;
    // the map over the model input, cut to the picture's region (padding processors), at the picture's size
    const own = pixels.region ? cropMap({ width: r.width, height: r.height, data: r.map }, pixels.region) : { width: r.width, height: r.height, data: r.map };
    const map = own.height === H && own.width === W ? Float32Array.from(own.data) : resizeBilinear(own.data, 1, own.height, own.width, H, W);
    methods.push({
      method,
      map,
      grid: r.grid,
      insertionAuc: auc?.insertion,
      deletionAuc: auc?.deletion,
      ms,
      tokens: r.text ? tokensOf(req.source, text, r.text.weights, r.text.positions) : undefined,
      warnings: r.warnings,
    });
  }
  return { kind, score: explained.score, scoreDescription: explained.description, width: W, height: H, methods };
}
