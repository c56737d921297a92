/** What every loader takes: where the models folder is (for names) and how to run the model. */
import type { RuntimeOptions } from '@gradloc/tensor-backend';
import type { ModelsOptions } from '../folder.js';

export interface LoadOptions extends ModelsOptions {
  /** onnxruntime options of the opened session (threads, execution provider). */
  readonly runtime?: RuntimeOptions;
}
