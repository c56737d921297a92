/**
 * Contrastive training batches for shapes-clip: B train-split scenes and one caption each,
 * image n paired with text n.
 *
 * InfoNCE treats every other text of the batch as a negative, which is false when two scenes
 * share a caption (single-object scenes: 42 possible captions, so a batch of 64 holds a
 * repeated "a red circle" most of the time). Such a pair would be pushed apart for being
 * equal. Rather than masking the loss, a batch never holds two scenes that could show the
 * same text: a scene whose caption set is already in the batch is deferred to the next batch
 * (not dropped, so the scene distribution is unchanged; only the order moves).
 */
import { rng, tensor, type Feeds, type Tensor } from '@gradloc/tensor-backend';
import { generateScene, objectPhrases, splitSeed, toNCHW, tokenizePhrases, type Scene } from '@gradloc/models';
import { PHRASE_COL_TARGETS, PHRASE_ROW_TARGETS, phraseTargets } from './phrase-loss.js';
import { negativeCaption } from './hard-negatives.js';
import { grounderTargets } from '../grounder/targets.js';

export interface ClipBatchOptions {
  /** Train-split index of the first scene. */
  readonly startIndex: number;
  readonly batch: number;
  /** Token length of a caption (the model's maxLen). */
  readonly maxLen: number;
  /** Hard negative captions per scene (hard-negatives.ts), appended after the B positives. */
  readonly negatives?: number;
  /** Seeds the choice of hard negatives. */
  readonly seed?: number;
  /** Token grid side: adds patch_targets [B, grid^2, 42] for the auxiliary patch head. */
  readonly auxGrid?: number;
  /** Append one object phrase per scene (phrase-loss.ts) and its soft targets. */
  readonly phrases?: boolean;
}

export interface ClipBatch {
  /**
   * pixel_values [B, 3, S, S] in [0, 1], input_ids [B (1 + negatives), maxLen] (the B
   * positives first), labels [B] = 0..B-1, and with auxGrid patch_targets [B, P, 42].
   */
  readonly feeds: Feeds;
  /** Text of every input_ids row: caption n is image n's; the hard negatives follow. */
  readonly captions: readonly string[];
  /** Train-split indices of the scenes, in batch order. */
  readonly indices: readonly number[];
}

/**
 * Scenes whose captions could be the same string share this key: the same caption set means
 * the same counted objects, in whichever order (a caption can show either order).
 */
export const captionKey = (captions: readonly string[]): string => [...captions].sort().join('|');

/**
 * Takes `count` items with distinct keys: from `queue` first (in order), then from `next()`.
 * Items whose key is already taken go back to the front of `queue`, in order, for next time.
 */
export function takeDistinct<T>(queue: T[], count: number, key: (item: T) => string, next: () => T): T[] {
  const chosen: T[] = [];
  const deferred: T[] = [];
  const seen = new Set<string>();
  while (chosen.length < count) {
    const item = queue.length > 0 ? queue.shift()! : next();
    const k = key(item);
    if (seen.has(k)) deferred.push(item);
    else {
      seen.add(k);
      chosen.push(item);
    }
  }
  queue.unshift(...deferred);
  return chosen;
}

interface Drawn {
  readonly index: number;
  readonly scene: Scene;
}

/** The contrastive labels of n pairs: image i matches text i. */
export const diagonalLabels = (n: number): Tensor<'int64'> => tensor('int64', [n], Array.from({ length: n }, (_, i) => i));

/**
 * An endless stream of batches from train-split scenes startIndex, startIndex + 1, ...
 * Scene i shows caption i % captions.length: multi-object scenes alternate between the
 * largest-first caption and the reverse order, so neither order is the only one the text
 * tower learns, and a run is reproducible without a PRNG.
 */
export function* clipBatches(opts: ClipBatchOptions): Generator<ClipBatch> {
  const pending: Drawn[] = [];
  let nextIndex = opts.startIndex;
  const draw = (): Drawn => {
    const index = nextIndex++;
    return { index, scene: generateScene(splitSeed('train', index)) };
  };
  const labels = diagonalLabels(opts.batch);
  const rand = rng(opts.seed ?? 0);
  for (;;) {
    const drawn = takeDistinct(pending, opts.batch, (d) => captionKey(d.scene.captions), draw);
    const captions = drawn.map(({ index, scene }) => scene.captions[index % scene.captions.length]);
    const taken = new Set(drawn.flatMap((d) => d.scene.captions));
    for (let k = 0; k < (opts.negatives ?? 0); k++) {
      for (const { index, scene } of drawn) captions.push(negativeCaption(scene.objects, index % 2, taken, rand));
    }
    const scenes = drawn.map((d) => d.scene);
    const aux: Record<string, Tensor> = opts.auxGrid ? { patch_targets: grounderTargets(scenes, opts.auxGrid).cls_targets } : {};
    if (opts.phrases) {
      // scene n names its object n % objects (deterministic, every object in turn over the stream)
      const named = drawn.map(({ index, scene }) => scene.objects[index % scene.objects.length]);
      captions.push(...named.map((o) => objectPhrases(o.shape, o.colour)[0]));
      const t = phraseTargets((i, j) => scenes[i].objects.some((o) => o.colour === named[j].colour && o.shape === named[j].shape), scenes.length);
      aux[PHRASE_ROW_TARGETS] = tensor('float32', [scenes.length, scenes.length], t.rows);
      aux[PHRASE_COL_TARGETS] = tensor('float32', [scenes.length, scenes.length], t.cols);
    }
    yield {
      feeds: { pixel_values: toNCHW(scenes), input_ids: tokenizePhrases(captions, opts.maxLen).ids, labels, ...aux },
      captions,
      indices: drawn.map((d) => d.index),
    };
  }
}

