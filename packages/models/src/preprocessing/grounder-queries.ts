/**
 * The zoo grounders' query set: all 42 colour + shape phrases, in the fixed order
 * `groundingQueries` enumerates them (colours, then shapes), so query index q means the same
 * combination in training, evaluation, calibration and serving.
 */
import type { Tensor } from '@gradloc/tensor-backend';
import { COLOURS, objectPhrases, SHAPES, tokenizePhrases, type ColourName, type PhraseForm, type ShapeName } from '../data/shapes/index.js';

export interface QueryCombo {
  readonly colour: ColourName;
  readonly shape: ShapeName;
}

export const GROUNDER_QUERIES: readonly QueryCombo[] = COLOURS.flatMap((colour) => SHAPES.map((shape) => ({ colour, shape })));

/** In the order objectPhrases returns them: "a red circle", "the red circle", "red circle". */
export const PHRASE_FORMS: readonly PhraseForm[] = ['indefinite', 'definite', 'bare'];

export const queryIndex = (colour: ColourName, shape: ShapeName): number => COLOURS.indexOf(colour) * SHAPES.length + SHAPES.indexOf(shape);

export function queryPhrases(form: PhraseForm): string[] {
  const f = PHRASE_FORMS.indexOf(form);
  return GROUNDER_QUERIES.map((q) => objectPhrases(q.shape, q.colour)[f]);
}

/** input_ids [42, maxLen] of every query in one phrase form. */
export const queryIds = (form: PhraseForm, maxLen: number): Tensor<'int64'> => tokenizePhrases(queryPhrases(form), maxLen).ids;
