/**
 * Checkpoint files. `dir/model.onnx` is the model with the trained weights as initializers
 * (runnable as is); `dir/optimizer.onnx` is an ONNX model with an empty graph whose
 * initializers are the optimizer buffers (`optimizer::<buffer>::<param>`) and whose
 * metadata holds the step, the optimizer and schedule configs and the PRNG state. Both
 * record the step, so a pair torn by a crash between the two (atomic) writes is refused.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { GradlocError } from '../errors.js';
import { Graph } from '../ir/graph.js';
import { loadModel, saveModel } from '../onnx/model-io.js';
import type { ModelProto } from '../onnx/schema.js';
import { tensorFromProto, tensorToProto } from '../onnx/tensor-proto.js';
import type { Tensor } from '../tensor/tensor.js';
import type { MaskedGroups, ParamGroup } from './groups.js';
import type { TrainingConfig } from './optimizer.js';

export const CHECKPOINT_FILES = { model: 'model.onnx', optimizer: 'optimizer.onnx' } as const;

/** Metadata keys (model.onnx carries only `step`). */
export const TRAIN_META = {
  step: 'gradloc.train.step',
  loss: 'gradloc.train.loss',
  params: 'gradloc.train.params',
  outputs: 'gradloc.train.outputs',
  optimizer: 'gradloc.train.optimizer',
  noDecay: 'gradloc.train.no_decay',
  schedule: 'gradloc.train.schedule',
  clipNorm: 'gradloc.train.clip_norm',
  rng: 'gradloc.train.rng',
  groups: 'gradloc.train.groups',
  maskedGroups: 'gradloc.train.masked_groups',
} as const;

export const stateTensorName = (param: string, buffer: string): string => `optimizer::${buffer}::${param}`;

export interface TrainState {
  readonly step: number;
  readonly loss: string;
  readonly params: readonly string[];
  readonly outputs: readonly string[];
  readonly optimizer: TrainingConfig;
  /** Parameters the optimizer gave no weight decay. */
  readonly noDecay: readonly string[];
  readonly schedule?: TrainingConfig;
  readonly clipNorm?: number;
  /** SeededRand state. */
  readonly rng: number;
  /** Optimizer buffers by stateTensorName. */
  readonly buffers: ReadonlyMap<string, Tensor>;
  /** Parameter groups, the rest group's name and the updates each group has had. */
  readonly groups?: { readonly specs: readonly ParamGroup[]; readonly rest: string; readonly steps: Readonly<Record<string, number>> };
  readonly maskedGroups?: MaskedGroups;
}

/** `model` must carry TRAIN_META.step = state.step (Trainer.exportModel writes it). */
export function writeCheckpoint(dir: string, model: ModelProto, state: TrainState): void {
  mkdirSync(dir, { recursive: true });
  const g = Graph.create(17, 'optimizer_state');
  for (const [name, t] of state.buffers) g.initializers.set(name, tensorToProto(name, t));
  const meta: Record<string, string> = {
    [TRAIN_META.step]: String(state.step),
    [TRAIN_META.loss]: state.loss,
    [TRAIN_META.params]: JSON.stringify(state.params),
    [TRAIN_META.outputs]: JSON.stringify(state.outputs),
    [TRAIN_META.optimizer]: JSON.stringify(state.optimizer),
    [TRAIN_META.noDecay]: JSON.stringify(state.noDecay),
    [TRAIN_META.rng]: String(state.rng),
  };
  if (state.schedule) meta[TRAIN_META.schedule] = JSON.stringify(state.schedule);
  if (state.clipNorm !== undefined) meta[TRAIN_META.clipNorm] = String(state.clipNorm);
  if (state.groups) meta[TRAIN_META.groups] = JSON.stringify(state.groups);
  if (state.maskedGroups) meta[TRAIN_META.maskedGroups] = state.maskedGroups;
  g.metadata.push(...Object.entries(meta).map(([key, value]) => ({ key, value })));
  saveModel(join(dir, CHECKPOINT_FILES.model), model);
  saveModel(join(dir, CHECKPOINT_FILES.optimizer), g.toModel());
}

export function readCheckpoint(dir: string): { readonly model: ModelProto; readonly state: TrainState } {
  const model = loadModel(join(dir, CHECKPOINT_FILES.model));
  const opt = loadModel(join(dir, CHECKPOINT_FILES.optimizer));
  const meta = new Map(opt.metadata_props.map((p) => [p.key ?? '', p.value ?? '']));
  const get = (key: string): string => {
    const v = meta.get(key);
    if (v === undefined) throw new GradlocError('BAD_MODEL', `${join(dir, CHECKPOINT_FILES.optimizer)} has no '${key}' metadata: not a gradloc checkpoint`);
    return v;
  };
  const modelStep = model.metadata_props.find((p) => p.key === TRAIN_META.step)?.value;
  if (modelStep !== get(TRAIN_META.step)) {
    throw new GradlocError('BAD_MODEL', `checkpoint ${dir} is torn: model.onnx is at step ${modelStep ?? '?'}, optimizer.onnx at step ${get(TRAIN_META.step)}`);
  }
  const schedule = meta.get(TRAIN_META.schedule);
  const clipNorm = meta.get(TRAIN_META.clipNorm);
  const groups = meta.get(TRAIN_META.groups);
  const maskedGroups = meta.get(TRAIN_META.maskedGroups);
  const state: TrainState = {
    step: Number(get(TRAIN_META.step)),
    loss: get(TRAIN_META.loss),
    params: JSON.parse(get(TRAIN_META.params)) as string[],
    outputs: JSON.parse(get(TRAIN_META.outputs)) as string[],
    optimizer: JSON.parse(get(TRAIN_META.optimizer)) as TrainingConfig,
    noDecay: JSON.parse(get(TRAIN_META.noDecay)) as string[],
    schedule: schedule ? (JSON.parse(schedule) as TrainingConfig) : undefined,
    clipNorm: clipNorm !== undefined ? Number(clipNorm) : undefined,
    rng: Number(get(TRAIN_META.rng)),
    buffers: new Map((opt.graph?.initializer ?? []).map((t) => [t.name ?? '', tensorFromProto(t)])),
    groups: groups ? (JSON.parse(groups) as TrainState['groups']) : undefined,
    maskedGroups: maskedGroups === 'skip' || maskedGroups === 'step' ? maskedGroups : undefined,
  };
  return { model, state };
}
