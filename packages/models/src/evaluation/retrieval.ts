/**
 * Zero-shot caption retrieval, the dual encoder's held-out metric.
 *
 * N scenes give N images and a pool of N candidate captions (each scene's canonical,
 * largest-first caption). Image -> text: an image is correct when the pool caption most
 * similar to it is one of the image's own captions, compared as text. So a caption several
 * scenes share ("a red circle") is right for all of them, as it describes each of them
 * exactly, and so is another scene's canonical caption that is this image's reverse-order
 * caption (same objects, ranked differently by size), since training shows both orders.
 * Text -> image is the mirror: pool caption j is correct when the image most similar to it
 * has it among its own captions.
 */

export interface RetrievalInput {
  /** [N, dim] row-major image embeddings. */
  readonly images: Float32Array;
  /** [N, dim] row-major embeddings of the pool captions. */
  readonly texts: Float32Array;
  readonly dim: number;
  /** Caption text of each pool row. */
  readonly pool: readonly string[];
  /** Every caption of image n (either order). */
  readonly own: readonly (readonly string[])[];
}

export interface RetrievalResult {
  /** Image -> text top-1 (the card's `top1`). */
  readonly imageToText: number;
  /** Text -> image top-1. */
  readonly textToImage: number;
}

/** Dot products of every image with every text: [N images, N texts]. Ranking by them is ranking by cosine when rows are unit-norm. */
function similarities({ images, texts, dim }: RetrievalInput): Float32Array[] {
  const ni = images.length / dim;
  const nt = texts.length / dim;
  return Array.from({ length: ni }, (_, i) => {
    const row = new Float32Array(nt);
    for (let j = 0; j < nt; j++) {
      let s = 0;
      for (let k = 0; k < dim; k++) s += images[i * dim + k] * texts[j * dim + k];
      row[j] = s;
    }
    return row;
  });
}

/** Index of the largest value; ties go to the first (a fixed rule, so reruns agree). */
function argmax(n: number, value: (i: number) => number): number {
  let best = 0;
  for (let i = 1; i < n; i++) if (value(i) > value(best)) best = i;
  return best;
}

export function captionRetrieval(input: RetrievalInput): RetrievalResult {
  const n = input.pool.length;
  if (input.own.length !== n || input.images.length !== n * input.dim || input.texts.length !== n * input.dim) {
    throw new RangeError(`captionRetrieval: ${n} pool captions need ${n} images, ${n} caption lists and [${n}, ${input.dim}] embeddings`);
  }
  if (n === 0) return { imageToText: 0, textToImage: 0 };
  const sim = similarities(input);
  const owns = input.own.map((captions) => new Set(captions));
  let i2t = 0;
  let t2i = 0;
  for (let i = 0; i < n; i++) if (owns[i].has(input.pool[argmax(n, (j) => sim[i][j])])) i2t++;
  for (let j = 0; j < n; j++) if (owns[argmax(n, (i) => sim[i][j])].has(input.pool[j])) t2i++;
  return { imageToText: i2t / n, textToImage: t2i / n };
}
