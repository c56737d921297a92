/**
 * The catalog of a models folder: every `<name>/` holding model.onnx + card.json, with its
 * card and what kind of model the card describes. The CLI (`gradloc zoo list`) and the
 * dashboard's registry list models from here, so they agree on names and kinds.
 */
import { BILINGUAL_KIND } from './data/bilingual/tokenizer.js';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { readCard, type Card } from './card.js';
import { modelNames, modelsDir, type ModelsOptions } from './folder.js';

export const MODEL_KINDS = ['grounder', 'classifier', 'language-model', 'bilingual-lm', 'dual-encoder', 'localizer'] as const;

export type ModelKind = (typeof MODEL_KINDS)[number];

/** The kind a card's inputs, outputs and labels describe; undefined for anything else. */
export function kindOf(card: Card): ModelKind | undefined {
  const outputs = new Set(card.outputs.map((o) => o.name));
  const inputs = card.inputs.map((i) => i.name);
  if (outputs.has('pred_boxes')) return 'grounder';
  // a multi-scene camera localizer (OFVL): scene-coordinate outputs per scene, evaluated by @gradloc/ofvl-localize
  if (card.preprocessing.localization === 'ofvl') return 'localizer';
  // a language model of the bilingual corpus (SGTM's models): its own tokenizer, two test losses
  if (inputs.length === 1 && inputs[0] === 'input_ids' && card.preprocessing.vocabulary === BILINGUAL_KIND) return 'bilingual-lm';
  if (inputs.length === 1 && inputs[0] === 'input_ids') return 'language-model';
  if (card.labels?.length) return 'classifier';
  if (outputs.has('image_embeds') && outputs.has('text_embeds')) return 'dual-encoder';
  return undefined;
}

export interface CatalogEntry {
  readonly name: string;
  readonly dir: string;
  /** dir/model.onnx */
  readonly file: string;
  readonly card: Card;
  /** undefined when the card describes none of MODEL_KINDS. */
  readonly kind: ModelKind | undefined;
}

/** The entry for a model folder with model.onnx + card.json. */
function catalogEntry(dir: string, name: string): CatalogEntry {
  const card = readCard(dir);
  return { name, dir, file: join(dir, 'model.onnx'), card, kind: kindOf(card) };
}

/** Every model of the folder that has a card, sorted by name (folders without card.json are not models of the catalog). */
export function listModels(opts: ModelsOptions = {}): CatalogEntry[] {
  const root = modelsDir(opts);
  return modelNames(root)
    .filter((name) => existsSync(join(root, name, 'card.json')))
    .map((name) => catalogEntry(join(root, name), name));
}
