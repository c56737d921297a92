/**
 * `gradloc sgtm train` and the zoo's bilingual models: train on the bilingual Brown corpus,
 * then write <out>/model.onnx (forward LM with the split in its metadata, NOT ablated: the
 * evaluation ablates), <out>/tokenizer.json and <out>/card.json with the held-out losses
 * before and after ablation (raw and calibrated). Every option is checked before any work,
 * and the folder is written only after training succeeded.
 */
import { mkdirSync } from 'node:fs';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { GradlocError, saveModel, type MaskedGroups, type RuntimeOptions } from '@gradloc/tensor-backend';
import { BILINGUAL_KIND, trainBilingualTokenizer, writeBilingualTokenizer, writeCard, type Card, type DomainLosses } from '@gradloc/models';
import { SGTM_MODEL, SGTM_TRAIN } from '../config.js';
import { undiscoveredFromPercent } from '../data/labels.js';
import { buildSgtmGpt } from '../model/build.js';
import { gptLayout } from '../split/gpt-layout.js';
import { splitParameters, type SplitOptions } from '../split/param-split.js';
import { parseMethod, type Method } from '../train/methods.js';
import { trainSgtm, type TrainProgress } from '../train/train.js';
import { evaluateSgtm } from './evaluate.js';
import { writeSgtmMeta } from './metadata.js';
import { openSgtmModel } from './open-model.js';
import { domainStreams } from './streams.js';

export interface TrainModelOptions {
  readonly method: Method | string;
  /** Percentage of forget data left unlabelled, in [0, 100]. */
  readonly undiscoveredPercent: number;
  readonly outDir: string;
  /** The model's name in its card (default the folder name). */
  readonly name?: string;
  readonly steps?: number;
  readonly seed?: number;
  readonly split?: SplitOptions;
  readonly maskedGroups?: MaskedGroups;
  /** Skip the card's evaluation (tests). */
  readonly evaluate?: boolean;
  /** Windows per domain for the card's losses (default all). */
  readonly evalWindows?: number;
  readonly threads?: number;
  readonly command?: string;
  readonly onProgress?: (p: TrainProgress) => void;
  readonly onLog?: (line: string) => void;
  readonly signal?: AbortSignal;
}

export interface Losses {
  readonly retain_loss: number;
  readonly forget_loss: number;
}

/** The losses after removal, recorded on the card beside the full model's metrics. */
export interface RemovalLosses {
  /** Forget parameters zeroed. */
  readonly ablated: Losses;
  /** Then the LM-head bias recalibrated (the reference's reported metric). */
  readonly calibrated: Losses;
}

/** An SGTM model's card: the full model's losses as metrics, the removal's beside them. */
export interface SgtmCard extends Card {
  readonly sgtm: {
    readonly method: Method;
    readonly undiscoveredPercent: number;
    readonly forgetUnits: number;
    readonly forgetHeads: number;
    readonly layers: readonly number[];
    readonly removal?: RemovalLosses;
  };
}

export interface TrainModelReport {
  readonly dir: string;
  /** The full (unablated) model's test losses. */
  readonly metrics: Readonly<Record<string, number>>;
  readonly removal?: RemovalLosses;
  readonly tokensPerSec: number;
  readonly wallSec: number;
  readonly aborted: boolean;
}

export async function trainSgtmModel(opts: TrainModelOptions): Promise<TrainModelReport> {
  const method = parseMethod(opts.method);
  const undiscovered = undiscoveredFromPercent(opts.undiscoveredPercent);
  const steps = opts.steps ?? SGTM_TRAIN.steps;
  if (!(Number.isInteger(steps) && steps >= 1)) throw new GradlocError('BAD_INPUT', `steps must be a positive integer, got ${steps}`);
  const seed = opts.seed ?? SGTM_TRAIN.seed;
  const log = opts.onLog ?? ((): void => undefined);
  const runtime: RuntimeOptions = { threads: opts.threads, spinning: false };
  const tok = trainBilingualTokenizer();
  const model = buildSgtmGpt(tok.size, seed);
  const split = splitParameters(gptLayout(model), opts.split); // bad sizes fail here, before training
  log(`${method}, ${opts.undiscoveredPercent}% undiscovered: ${steps} steps of ${SGTM_TRAIN.batch} x ${SGTM_MODEL.context} tokens; forget = ${split.forgetUnits} MLP units + ${split.forgetHeads} head(s) in layers ${split.layers.join(',')}`);
  const r = await trainSgtm({ model, streams: domainStreams('train', tok), method, undiscovered, split: opts.split, steps, seed, maskedGroups: opts.maskedGroups, runtime, onProgress: opts.onProgress, signal: opts.signal });
  if (r.aborted) return { dir: opts.outDir, metrics: {}, tokensPerSec: r.tokensPerSec, wallSec: r.wallSec, aborted: true };
  writeSgtmMeta(r.model, { method, forgetUnits: split.forgetUnits, forgetHeads: split.forgetHeads, layers: split.layers, undiscovered, maskedGroups: opts.maskedGroups ?? 'skip' });
  mkdirSync(opts.outDir, { recursive: true });
  saveModel(join(opts.outDir, 'model.onnx'), r.model.toModel());
  writeBilingualTokenizer(join(opts.outDir, 'tokenizer.json'), tok);
  let metrics: Record<string, number> = {};
  let removal: RemovalLosses | undefined;
  if (opts.evaluate !== false) {
    log('training done; scoring the test splits (full, ablated, ablated + calibrated)');
    const opened = openSgtmModel(opts.outDir);
    const e = { maxWindows: opts.evalWindows, runtime };
    const pick = (l: DomainLosses): Losses => ({ retain_loss: l.retain_loss, forget_loss: l.forget_loss });
    metrics = { ...pick(await evaluateSgtm(opened, e)) };
    removal = { ablated: pick(await evaluateSgtm(opened, { ...e, ablate: true })), calibrated: pick(await evaluateSgtm(opened, { ...e, ablate: true, calibrate: true })) };
  }
  const name = opts.name ?? opts.outDir.split(/[\\/]/).filter(Boolean).pop() ?? 'sgtm-model';
  writeCard(opts.outDir, sgtmCard({ name, method, undiscoveredPercent: opts.undiscoveredPercent, steps, seed, split, vocab: tok.size, parameters: countParams(r.model), metrics, removal, evalWindows: opts.evalWindows, wallSec: r.wallSec, tokensPerSec: r.tokensPerSec, updates: r.updates, threads: opts.threads, command: opts.command }));
  return { dir: opts.outDir, metrics, removal, tokensPerSec: r.tokensPerSec, wallSec: r.wallSec, aborted: false };
}

const countParams = (g: { initializers: ReadonlyMap<string, { dims: readonly (number | bigint)[]; data_type?: number }> }): number =>
  [...g.initializers.values()].filter((t) => t.data_type === 1).reduce((n, t) => n + t.dims.reduce<number>((a, d) => a * Number(d), 1), 0);

interface CardFacts {
  readonly name: string;
  readonly method: Method;
  readonly undiscoveredPercent: number;
  readonly steps: number;
  readonly seed: number;
  readonly split: ReturnType<typeof splitParameters>;
  readonly vocab: number;
  readonly parameters: number;
  readonly metrics: Readonly<Record<string, number>>;
  readonly removal: RemovalLosses | undefined;
  readonly evalWindows: number | undefined;
  readonly wallSec: number;
  readonly tokensPerSec: number;
  readonly updates: number;
  readonly threads: number | undefined;
  readonly command: string | undefined;
}

const METHOD_TEXT: Record<Method, string> = {
  sgtm: 'Selective Gradient Masking: forget batches update only forget + joint parameters, retain batches run with forget units zeroed',
  routing: "gradient routing (the reference repo's variant): forget batches detach retain units' activations, retain batches as SGTM",
  filter: 'data filtering: batches labelled forget are dropped',
  none: 'no filtering, no masking',
};

function sgtmCard(f: CardFacts): SgtmCard {
  const { context, dim, depth, heads, mlpRatio } = SGTM_MODEL;
  const cores = cpus();
  return {
    name: f.name,
    task: 'causal language modelling of a bilingual corpus (English = retain, a cipher language = forget), trained so that the forget language can be removed',
    architecture: `GPT-2-style decoder: ${depth} pre-LN blocks, width ${dim}, ${heads} heads, GELU MLP ${dim * mlpRatio}, learned positions, context ${context}, bilingual word vocabulary ${f.vocab}, LM head tied to the token embedding plus a bias`,
    parameters: f.parameters,
    inputs: [{ name: 'input_ids', dtype: 'int64', dims: ['batch', 'seq'], meaning: `token ids from tokenizer.json, seq <= ${context}` }],
    outputs: [{ name: 'logits', dtype: 'float32', dims: ['batch', 'seq', f.vocab], meaning: 'next-token logits' }],
    preprocessing: { tokenizer: 'tokenizer.json (beside the model)', vocabulary: BILINGUAL_KIND, context, text: 'lower-cased words; <doc> starts a document, <eos> ends each sentence' },
    training: {
      command: f.command ?? `npx gradloc sgtm train --method ${f.method} --undiscovered ${f.undiscoveredPercent} --steps ${f.steps} --out <dir>`,
      seed: f.seed,
      steps: f.steps,
      batch: SGTM_TRAIN.batch,
      optimizer: `AdamW per parameter group (forget / retain / joint; a group a batch may not update is not stepped), betas 0.9/0.999, weight decay ${SGTM_TRAIN.weightDecay} (none on biases and LayerNorm), clipping at global norm 1; ${f.updates} updates`,
      schedule: `linear warm-up over ${Math.min(SGTM_TRAIN.warmupSteps, Math.floor(f.steps / 10))} batches to ${SGTM_TRAIN.peakLr}, cosine to ${SGTM_TRAIN.floorLr}, on the clock of batches drawn`,
      data: `bilingual Brown train split (English + cipher, parallel), each batch from one language (50/50); ${METHOD_TEXT[f.method]}; ${f.undiscoveredPercent}% of forget batches unlabelled, 25% of retain batches labelled retain; forget parameters: last ${f.split.forgetUnits} MLP units and last ${f.split.forgetHeads} head(s) of layers ${f.split.layers.join(',')}`,
      wallTimeSec: Math.round(f.wallSec * 10) / 10,
      machine: `${cores.length} x ${cores[0]?.model.trim() ?? 'CPU'}, node ${process.version}, ${f.threads ?? 'default'} onnxruntime threads; ${Math.round(f.tokensPerSec)} tokens/s`,
    },
    metrics: f.metrics,
    sgtm: { method: f.method, undiscoveredPercent: f.undiscoveredPercent, forgetUnits: f.split.forgetUnits, forgetHeads: f.split.forgetHeads, layers: f.split.layers, ...(f.removal ? { removal: f.removal } : {}) },
    evaluation: {
      command: `npx gradloc sgtm eval --model ${f.name} [--ablate] [--calibrate]${f.evalWindows ? ` --max-windows ${f.evalWindows}` : ''}`,
      split: 'test (English = retain_loss, cipher = forget_loss)',
      // 0: every window
      samples: f.evalWindows ?? 0,
      notes:
        'loss = mean next-token cross-entropy in nats over every target of the test split (non-overlapping 64-token windows' +
        (f.evalWindows ? `; SUBSET: ${f.evalWindows} windows per language, spread evenly` : '') +
        '); metrics = the model as shipped; sgtm.removal.ablated = forget parameters zeroed (--ablate); sgtm.removal.calibrated = then the LM-head bias retrained 100 steps on L_forget + 100 L_retain (--ablate --calibrate, as the reference)',
    },
  };
}
