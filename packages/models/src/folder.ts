/**
 * Where models are: always an explicit folder of `<name>/model.onnx` + `card.json`. In order:
 * the caller's `{ modelsDir }` (the CLI's `--models DIR`), the GRADLOC_MODELS environment
 * variable, and the repository's `models/` only when this code runs from a gradloc checkout.
 * An installed copy (in someone's node_modules) ships no models and guesses no folder.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { GradlocError } from '@gradloc/tensor-backend';
import { checkoutModelsDir } from './checkout.js';

export const MODELS_ENV = 'GRADLOC_MODELS';

export interface ModelsOptions {
  /** The models folder; wins over GRADLOC_MODELS and a checkout's models/. */
  readonly modelsDir?: string;
}

/** The one message for "no folder at all": it names every way of giving one. */
const NO_FOLDER =
  `no models folder: pass --models DIR (in code: { modelsDir: DIR }), set ${MODELS_ENV}=DIR, ` +
  'or run gradloc from a gradloc checkout (its models/ folder)';

function existingFolder(dir: string, from: string): string {
  const abs = resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory()) throw new GradlocError('MODEL_NOT_FOUND', `the models folder ${abs} (${from}) does not exist`);
  return abs;
}

/** The models folder (see the file comment for the order); one MODEL_NOT_FOUND error naming all three ways when none applies. */
export function modelsDir(opts: ModelsOptions = {}): string {
  if (opts.modelsDir) return existingFolder(opts.modelsDir, 'given as modelsDir / --models');
  const env = process.env[MODELS_ENV];
  if (env) return existingFolder(env, `from ${MODELS_ENV}`);
  const checkout = checkoutModelsDir(fileURLToPath(import.meta.url));
  if (checkout) return checkout;
  throw new GradlocError('MODEL_NOT_FOUND', NO_FOLDER);
}

/** Names of the folder's models (sub-folders holding a model.onnx), sorted. */
export const modelNames = (root: string): string[] => readdirSync(root).filter((n) => existsSync(join(root, n, 'model.onnx'))).sort();

/** The folder of model `name` (it must hold model.onnx). */
export function modelDir(name: string, opts: ModelsOptions = {}): string {
  const root = modelsDir(opts);
  const dir = join(root, name);
  if (!existsSync(join(dir, 'model.onnx'))) {
    throw new GradlocError('MODEL_NOT_FOUND', `model '${name}' is not in ${root} (models there: ${modelNames(root).join(', ') || 'none'})`);
  }
  return dir;
}
