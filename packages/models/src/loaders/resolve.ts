/**
 * What a loader's `spec` names: a model of the models folder (a bare name such as
 * `shapes-grounder`), a model folder (model.onnx + card.json), or an .onnx file (its card, if
 * any, beside it). A bare name that is not in the models folder may still be a folder or file
 * in the working directory; a path never needs a models folder.
 */
import { existsSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { GradlocError } from '@gradloc/tensor-backend';
import { modelsDir, modelNames, type ModelsOptions } from '../folder.js';

export interface ResolvedModel {
  /** The model's name: the folder's (the file's folder for a file). */
  readonly name: string;
  readonly file: string;
  /** The folder of the card (the file's folder for a file). */
  readonly dir: string;
}

const isBareName = (spec: string): boolean => !/[\\/]/.test(spec) && !spec.endsWith('.onnx');

function fromPath(spec: string): ResolvedModel | undefined {
  if (!existsSync(spec)) return undefined;
  const path = resolve(spec);
  if (statSync(path).isDirectory()) {
    if (!existsSync(join(path, 'model.onnx'))) throw new GradlocError('MODEL_NOT_FOUND', `${spec} is a folder without model.onnx`);
    return { name: basename(path), file: join(path, 'model.onnx'), dir: path };
  }
  return { name: basename(dirname(path)), file: path, dir: dirname(path) };
}

/** The model file and card folder `spec` names (see the file comment). */
export function resolveModel(spec: string, opts: ModelsOptions = {}): ResolvedModel {
  if (!isBareName(spec)) {
    const found = fromPath(spec);
    if (!found) throw new GradlocError('MODEL_NOT_FOUND', `no model at ${spec}`);
    return found;
  }
  let root: string;
  try {
    root = modelsDir(opts);
  } catch (noFolder) {
    // no models folder: the name may still be a local folder; else say how to give a folder
    const local = fromPath(spec);
    if (local) return local;
    throw noFolder;
  }
  const dir = join(root, spec);
  if (existsSync(join(dir, 'model.onnx'))) return { name: spec, file: join(dir, 'model.onnx'), dir };
  const local = fromPath(spec);
  if (local) return local;
  throw new GradlocError('MODEL_NOT_FOUND', `no model '${spec}' in ${root} (models there: ${modelNames(root).join(', ') || 'none'}), nor a folder or file of that name`);
}
