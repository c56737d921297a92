/**
 * Text queries for open-vocabulary grounding (OWL-ViT style training and evaluation): a
 * positive query names a (colour, shape) present in the scene and carries the boxes of ALL
 * objects it matches; a negative query names a combination absent from the scene, so a
 * grounder must predict no box for it.
 */
import { rng, shuffle, type Rand } from '@gradloc/tensor-backend';
import { objectPhrases } from './captions.js';
import { COLOURS, type ColourName } from './palette.js';
import type { SceneBox, SceneAnnotation } from './scene-types.js';
import { SHAPES, type ShapeName } from './shape-geometry.js';

/** Which referring-phrase form to use: "a red circle", "the red circle" or "red circle". */
export type PhraseForm = 'indefinite' | 'definite' | 'bare';
const FORM_INDEX: Readonly<Record<PhraseForm, number>> = { indefinite: 0, definite: 1, bare: 2 };

export interface GroundingQuery {
  readonly phrase: string;
  readonly shape: ShapeName;
  readonly colour: ColourName;
  /** Indices into scene.objects of the matching objects (empty for negatives). */
  readonly objects: readonly number[];
  /** Their boxes, in the same order (empty for negatives). */
  readonly boxes: readonly SceneBox[];
}

export interface GroundingQueries {
  readonly positives: readonly GroundingQuery[];
  readonly negatives: readonly GroundingQuery[];
}

export interface QueryOptions {
  readonly form?: PhraseForm;
  /** Keep only this many negatives, a random subset (default: every absent combination). */
  readonly maxNegatives?: number;
  /** Draws the negative subset; defaults to a stream derived from the scene seed (deterministic). */
  readonly rand?: Rand;
}

/** A fixed salt so the default negative stream is not the scene's own drawing stream. */
const NEGATIVE_SALT = 0x51ed2701;

export function groundingQueries(scene: SceneAnnotation, opts: QueryOptions = {}): GroundingQueries {
  const form = FORM_INDEX[opts.form ?? 'indefinite'];
  const phrase = (shape: ShapeName, colour: ColourName): string => objectPhrases(shape, colour)[form];
  const present = new Map<string, number[]>();
  scene.objects.forEach((o, i) => {
    const key = `${o.colour} ${o.shape}`;
    present.set(key, [...(present.get(key) ?? []), i]);
  });
  const positives: GroundingQuery[] = [];
  const negatives: GroundingQuery[] = [];
  // Fixed enumeration order (colours, then shapes) keeps the output independent of object order.
  for (const colour of COLOURS) {
    for (const shape of SHAPES) {
      const objects = present.get(`${colour} ${shape}`);
      if (objects) positives.push({ phrase: phrase(shape, colour), shape, colour, objects, boxes: objects.map((i) => scene.objects[i].box) });
      else negatives.push({ phrase: phrase(shape, colour), shape, colour, objects: [], boxes: [] });
    }
  }
  if (opts.maxNegatives === undefined || opts.maxNegatives >= negatives.length) return { positives, negatives };
  const rand = opts.rand ?? rng((scene.seed ^ NEGATIVE_SALT) >>> 0);
  return { positives, negatives: shuffle(negatives, rand).slice(0, Math.max(0, opts.maxNegatives)) };
}
