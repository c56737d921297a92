/**
 * The models a client may name: the catalog of the models folder (@gradloc/models: every
 * <name>/card.json + model.onnx, with its kind) and the Hugging Face folders the server's
 * environment lists (grounders: OWL-ViT, OWLv2, Grounding DINO; dual encoders: CLIP, by the
 * folder's config.json model_type). Clients pass names only; a name is looked up here, so no request
 * can make the server open a path of its choosing.
 */
import { statSync } from 'node:fs';
import { GradlocError } from '@gradloc/tensor-backend';
import { hfFolderKind, hfGrounderFile, listModels, type Card, type ModelKind } from '@gradloc/models';

export type { ModelKind } from '@gradloc/models';

export interface ModelEntry {
  readonly name: string;
  readonly kind: ModelKind;
  readonly source: 'zoo' | 'huggingface';
  /** The folder openGrounder / openClassifier read (never sent to clients). */
  readonly dir: string;
  readonly file: string;
  readonly card?: Card;
  /** Hugging Face folders: config.json's model_type. */
  readonly modelType?: string;
}

/** What models.list returns per model: public facts only (no paths). */
export interface ModelSummary {
  readonly name: string;
  readonly kind: ModelKind;
  readonly source: 'zoo' | 'huggingface';
  readonly task: string;
  readonly architecture: string;
  readonly parameters: number | null;
  readonly sizeBytes: number;
  readonly metrics: Readonly<Record<string, number>>;
  readonly quantized: boolean;
}

export const MODEL_NAME = /^[A-Za-z0-9._-]{1,100}$/;

export class ModelRegistry {
  private readonly entries = new Map<string, ModelEntry>();

  /** `modelsDir`: the models folder (default: @gradloc/models' modelsDir(), i.e. GRADLOC_MODELS or the checkout's models/). */
  constructor(hfModels: ReadonlyMap<string, string> = new Map(), modelsDir?: string) {
    for (const { name, kind, dir, file, card } of listModels({ modelsDir })) {
      if (kind) this.entries.set(name, { name, kind, source: 'zoo', dir, file, card });
    }
    for (const [name, dir] of hfModels) {
      const file = hfGrounderFile(dir);
      if (!file) throw new Error(`GRADLOC_HF_MODELS: ${name}=${dir} has no onnx/model.onnx`);
      const { kind, modelType } = hfFolderKind(dir);
      this.entries.set(name, { name, kind, source: 'huggingface', dir, file, modelType });
    }
  }

  list(kind?: ModelKind): ModelEntry[] {
    return [...this.entries.values()].filter((e) => kind === undefined || e.kind === kind);
  }

  /** The registered model `name`, which must be of `kind` when given (clear errors otherwise). */
  get(name: string, kind?: ModelKind): ModelEntry {
    const e = MODEL_NAME.test(name) ? this.entries.get(name) : undefined;
    if (!e) {
      const names = this.list(kind).map((m) => m.name);
      throw new GradlocError('MODEL_NOT_FOUND', `no model '${name.slice(0, 100)}'${kind ? ` among the ${kind}s` : ''}; registered: ${names.join(', ') || 'none'}`);
    }
    if (kind && e.kind !== kind) {
      throw new GradlocError('BAD_INPUT', `'${name}' is a ${e.kind}, not a ${kind}; ${kind}s: ${this.list(kind).map((m) => m.name).join(', ') || 'none'}`);
    }
    return e;
  }

  summary(e: ModelEntry): ModelSummary {
    return {
      name: e.name,
      kind: e.kind,
      source: e.source,
      task: e.card?.task ?? (e.kind === 'grounder' ? 'open-vocabulary grounding (Hugging Face folder)' : 'image-text similarity (Hugging Face folder)'),
      architecture: e.card?.architecture ?? `Hugging Face ${e.modelType ?? 'OWL-ViT-style'} export`,
      parameters: e.card?.parameters ?? null,
      sizeBytes: statSync(e.file).size,
      metrics: e.card?.metrics ?? {},
      quantized: e.card?.quantization !== undefined,
    };
  }
}
