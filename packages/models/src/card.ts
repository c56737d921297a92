/**
 * card.json: what a shipped model is, how it was trained and what it measures. The metrics
 * are written by the training script from its own held-out evaluation, and `gradloc zoo eval`
 * recomputes them from the committed model.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { GradlocError, writeFileAtomic } from '@gradloc/tensor-backend';

/** Held-out metrics by name (`accuracy`, `ap50`, `absent_max_score`, `top1`, `ppl`, ...). */
export type Metrics = Record<string, number>;

export interface CardTensor {
  readonly name: string;
  readonly dtype: string;
  /** Dims; a string names a symbolic dim (e.g. 'batch'). */
  readonly dims: readonly (number | string)[];
  readonly meaning: string;
}

export interface Card {
  readonly name: string;
  readonly task: string;
  readonly architecture: string;
  readonly parameters: number;
  readonly inputs: readonly CardTensor[];
  readonly outputs: readonly CardTensor[];
  /** Preprocessing a caller must apply (image size, value range, tokenizer file, ...). */
  readonly preprocessing: Readonly<Record<string, unknown>>;
  readonly labels?: readonly string[];
  /** Suggested tensors for CAM-style explanations. */
  readonly camLayers?: readonly string[];
  readonly training: {
    readonly command: string;
    readonly seed: number;
    readonly steps: number;
    readonly batch: number;
    readonly optimizer: string;
    readonly schedule: string;
    /** Where the weights started, when not from a seeded initialisation: another zoo model (a warm start). */
    readonly initialisation?: { readonly from: string; readonly detail: string };
    readonly data: string;
    readonly wallTimeSec: number;
    readonly machine: string;
  };
  readonly metrics: Metrics;
  /** Post-training quantization: how this model was derived from another shipped one. */
  readonly quantization?: Readonly<Record<string, unknown>>;
  /** The source model's metrics on the same evaluation, for comparison. */
  readonly baseline?: { readonly model: string; readonly metrics: Metrics };
  readonly evaluation: {
    readonly command: string;
    readonly split: string;
    readonly samples: number;
    readonly notes?: string;
    /** Language models: the windows scored per split, so a re-evaluation scores the same ones. */
    readonly windows?: { readonly validation: number; readonly test: number };
  };
}

export function writeCard(dir: string, card: Card): void {
  const path = join(dir, 'card.json');
  writeFileAtomic(path, `${JSON.stringify(card, null, 2)}\n`);
}

export function readCard(dir: string): Card {
  const path = join(dir, 'card.json');
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new GradlocError('MODEL_NOT_FOUND', `no card.json in ${dir}`);
  }
  let card: Card;
  try {
    card = JSON.parse(text) as Card;
  } catch (e) {
    throw new GradlocError('BAD_MODEL', `${path} is not JSON (${(e as Error).message})`);
  }
  for (const key of ['name', 'architecture', 'parameters', 'inputs', 'outputs', 'metrics', 'training'] as const) {
    if (card[key] === undefined) throw new GradlocError('BAD_MODEL', `${path}: missing '${key}'`);
  }
  return card;
}
