/**
 * Detector adapter for OWL-ViT-style ONNX grounders: image + text query in, per-prediction
 * query logits [B, P, Q] and normalised (cx, cy, w, h) boxes [B, P, 4] out. Fits the zoo's
 * shapes-grounder (FP32 and GWQ-quantized) and Hugging Face OWL-ViT exports; the caller
 * supplies the query encoding (the model's own tokenizer) and, for graphs that do not
 * normalise pixels themselves, the per-channel mean/std.
 */
import { concatRows, cxcywhToXyxy, GradlocError, preparePicture, tensor, type Feeds, type OnnxModel, type PreparedPicture, type RgbImage, type Tensor } from '@gradloc/tensor-backend';
import type { Detector, Predictions } from './types.js';

export interface OnnxGrounderOptions {
  readonly model: OnnxModel;
  /** The text side's feeds for one query (e.g. { input_ids: [1, L], attention_mask: [1, L] }). */
  readonly encodeQuery: (query: string) => Feeds;
  /** Default 'pixel_values'. */
  readonly pixelInput?: string;
  /** Default 'logits'. */
  readonly logits?: string;
  /** Default 'pred_boxes'. */
  readonly boxes?: string;
  /** (x - mean) / std per channel before the model; omit when the graph normalises itself. */
  readonly normalize?: { readonly mean: readonly [number, number, number]; readonly std: readonly [number, number, number] };
  /** Image size when the graph's pixel input has symbolic H and W (e.g. preprocessor_config's). */
  readonly size?: { readonly height: number; readonly width: number };
  /**
   * The picture at the input size in [0, 1] and the region it fills (a Hugging Face folder's
   * own image processor); default: a bilinear resize (planarFromRgb).
   */
  readonly prepare?: (picture: RgbImage) => Promise<PreparedPicture>;
  /**
   * Grounding DINO-style models (one text per image, its phrases ending in "."; logits
   * [B, P, tokens]): all queries as one text row ([1, T] feeds) and the token positions of each
   * query's phrase. A query's score at a prediction is the best sigmoid over its phrase's
   * tokens (the per-token probabilities Grounding DINO's post-processing thresholds).
   */
  readonly phrases?: (queries: readonly string[]) => PhraseText;
  /** Release the model with the adapter (default true). */
  readonly owns?: boolean;
}

export interface PhraseText {
  readonly feeds: Feeds;
  readonly spans: readonly (readonly number[])[];
}

const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const clamp01 = (v: number): number => Math.min(1, Math.max(0, v));

export class OnnxGrounder implements Detector {
  readonly width: number;
  readonly height: number;
  readonly pixelName: string;
  readonly logitsName: string;
  readonly boxesName: string;
  private readonly queries = new Map<string, Feeds>();

  constructor(private readonly o: OnnxGrounderOptions) {
    this.pixelName = o.pixelInput ?? 'pixel_values';
    this.logitsName = o.logits ?? 'logits';
    this.boxesName = o.boxes ?? 'pred_boxes';
    const input = o.model.graph.inputs.find((i) => i.name === this.pixelName);
    if (!input) throw new GradlocError('BAD_MODEL', `the grounder has no input '${this.pixelName}' (inputs: ${o.model.inputNames.join(', ')})`);
    const [, c, dh, dw] = input.dims ?? [];
    const h = typeof dh === 'number' ? dh : o.size?.height;
    const w = typeof dw === 'number' ? dw : o.size?.width;
    if ((c !== 3 && typeof c === 'number') || h === undefined || w === undefined) {
      throw new GradlocError('BAD_MODEL', `input '${this.pixelName}' must be [batch, 3, H, W] with fixed H and W (or a given size), got [${(input.dims ?? []).join(', ')}]`);
    }
    for (const out of [this.logitsName, this.boxesName]) {
      if (!o.model.outputNames.includes(out)) throw new GradlocError('BAD_MODEL', `the grounder has no output '${out}' (outputs: ${o.model.outputNames.join(', ')})`);
    }
    this.height = h;
    this.width = w;
  }

  private encoded(query: string): Feeds {
    let f = this.queries.get(query);
    if (!f) {
      f = this.o.encodeQuery(query);
      this.queries.set(query, f);
    }
    return f;
  }

  private normalized(images: Tensor<'float32'>): Tensor<'float32'> {
    const n = this.o.normalize;
    if (!n) return images;
    const plane = this.height * this.width;
    const src = images.data as Float32Array;
    const out = new Float32Array(src.length);
    for (let i = 0; i < src.length; i++) {
      const c = Math.floor(i / plane) % 3;
      out[i] = (src[i] - n.mean[c]) / n.std[c];
    }
    return tensor('float32', images.dims, out);
  }

  /** A picture as the model's input image (resized, or the folder's processor), in [0, 1]. */
  picture(picture: RgbImage): Promise<PreparedPicture> {
    return preparePicture(picture, this.width, this.height, this.o.prepare);
  }

  get model(): OnnxModel {
    return this.o.model;
  }

  /** The model's feeds for images [B, 3, H, W] in [0, 1] and one query. */
  feeds(images: Tensor<'float32'>, query: string): Feeds {
    return this.textFeeds(images, [query]).feeds;
  }

  /**
   * The model's feeds for images and queries, and how to read query q's logit at image b,
   * prediction p from logits [B, P, C] (C = queries, or tokens for phrase models).
   */
  private textFeeds(images: Tensor<'float32'>, queries: readonly string[]): { feeds: Feeds; logit: (lg: Float32Array, C: number, row: number, q: number) => number; columns?: number } {
    const pixels = { [this.pixelName]: this.normalized(images) };
    if (!this.o.phrases) {
      const text = queries.map((q) => this.encoded(q));
      const names = Object.keys(text[0]);
      const stacked: Feeds = Object.fromEntries(names.map((n) => [n, concatRows(text.map((t) => t[n]))]));
      return { feeds: { ...pixels, ...stacked }, logit: (lg, C, row, q) => lg[row * C + q], columns: queries.length };
    }
    const t = this.o.phrases(queries);
    const [B, , H, W] = images.dims;
    // one text row per image
    const feeds: Record<string, Tensor> = Object.fromEntries(Object.entries(t.feeds).map(([n, f]) => [n, concatRows(Array.from({ length: B }, () => f))]));
    if (this.o.model.inputNames.includes('pixel_mask')) feeds.pixel_mask = tensor('int64', [B, H, W], new BigInt64Array(B * H * W).fill(1n));
    return {
      feeds: { ...pixels, ...feeds },
      logit: (lg, C, row, q) => {
        let best = -Infinity;
        for (const k of t.spans[q]) best = Math.max(best, lg[row * C + k]);
        return best;
      },
    };
  }

  async detect(images: Tensor<'float32'>, query: string): Promise<Predictions[]> {
    return (await this.detectAll(images, [query]))[0];
  }

  /**
   * Several queries in one forward pass (the text side is a batch of queries, as in OWL-ViT):
   * predictions per query, then per image. The same as one detect() per query, cheaper.
   */
  async detectAll(images: Tensor<'float32'>, queries: readonly string[]): Promise<Predictions[][]> {
    if (queries.length === 0) return [];
    const text = this.textFeeds(images, queries);
    const out = await this.o.model.run(text.feeds, [this.logitsName, this.boxesName]);
    const logits = out[this.logitsName];
    const boxes = out[this.boxesName];
    const [B, P, C] = logits.dims;
    if (text.columns !== undefined && C !== text.columns) throw new GradlocError('BAD_MODEL', `expected logits [B, P, ${queries.length}] for ${queries.length} queries, got [${logits.dims.join(', ')}]`);
    const lg = logits.data as Float32Array;
    const bx = boxes.data as Float32Array;
    // boxes do not depend on the query: convert them once per image
    const xyxy = Array.from({ length: B }, (_, b) => {
      const a = new Float32Array(P * 4);
      for (let p = 0; p < P; p++) {
        const i = b * P + p;
        const [x0, y0, x1, y1] = cxcywhToXyxy(bx[4 * i], bx[4 * i + 1], bx[4 * i + 2], bx[4 * i + 3]);
        a.set([clamp01(x0), clamp01(y0), clamp01(x1), clamp01(y1)], 4 * p);
      }
      return a;
    });
    return queries.map((_, q) =>
      xyxy.map((a, b) => {
        const scores = new Float32Array(P);
        for (let p = 0; p < P; p++) scores[p] = sigmoid(text.logit(lg, C, b * P + p, q));
        return { boxes: a, scores };
      }),
    );
  }

  async release(): Promise<void> {
    if (this.o.owns ?? true) await this.o.model.release();
  }
}
