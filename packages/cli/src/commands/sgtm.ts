/**
 * `gradloc sgtm`: Selective Gradient Masking on the bilingual Brown corpus (English = retain,
 * a cipher language = forget). Thin over @gradloc/sgtm-train.
 */
import { GradlocError } from '@gradloc/tensor-backend';
import { evaluateSgtm, METHODS, openSgtmModel, recoveryRun, trainSgtmModel } from '@gradloc/sgtm-train';
import { MODELS_FLAG, RUNTIME_FLAGS, modelsOption, optionalChoice, optionalInt, optionalNumber, optionalString, parseFlags, requireString, runtimeOptions } from '../args.js';
import { subcommandRunner, type Command, type Io } from '../command.js';
import { formatDuration, progressReporter } from '../progress.js';

const HELP = `Usage: gradloc sgtm eval --model NAME|PATH [--ablate] [--calibrate] [--max-windows N] [--models DIR] [--threads N]
       gradloc sgtm train --method sgtm|routing|filter|none --undiscovered P --steps N --out DIR [--seed N] [--forget-units N] [--forget-heads N] [--max-windows N] [--threads N]
       gradloc sgtm finetune-recovery --model NAME|PATH --steps N [--rmu] [--baseline NAME|PATH] [--eval-every N]

Selective Gradient Masking (Shilov et al. 2025): a GPT trained so that the forget domain's
knowledge lives in dedicated parameters (the last MLP units and attention heads of every
layer), which are zeroed afterwards. Data: the bilingual Brown corpus, English = retain,
a deterministic cipher language = forget.

eval   prints one JSON line {"retain_loss":..,"forget_loss":..}: mean next-token loss in
       nats on the held-out test split of each language.
         --model NAME|PATH  a zoo model (sgtm-bilingual, filter-bilingual), a folder or model.onnx
                            (tokenizer.json beside it)
         --ablate           zero the forget parameters first (the model's metadata names them)
         --calibrate        then retrain the LM-head bias 100 steps on L_forget + 100 L_retain
                            (the reference's calibrated metric)
         --max-windows N    score N windows per language, spread evenly (default all)
train  trains from scratch and writes DIR/model.onnx, tokenizer.json, card.json; progress on
       stderr, the card's metrics as one JSON line on stdout.
         --method M         sgtm, routing (gradient routing), filter (data filtering), none
         --undiscovered P   percentage of forget data left unlabelled, 0..100
         --steps N          batches of 32 x 64 tokens (default 1500)
         --forget-units N, --forget-heads N   forget parameters per layer (default 3/32 of the
                            MLP units, 1 head)
         --max-windows N    score the card's losses on N test windows per language (default all)
finetune-recovery
       removes the forget knowledge (ablation of the forget parameters, or RMU with --rmu),
       then fine-tunes every parameter on a 50/50 forget/retain mix for at most N steps and
       prints {"steps_to_recover":..} (null if not within N): the first evaluated step whose
       forget loss (128 test windows) is at or below the baseline's.
         --rmu              remove with RMU (middle block, 200 steps) instead of ablation; give
                            the unfiltered model (none-bilingual) as --model
         --baseline M       the unfiltered model whose forget loss is the target
                            (default none-bilingual)
         --eval-every N     evaluate every N steps (default 10)`;

const FLAGS = {
  model: { type: 'string' },
  ablate: { type: 'boolean' },
  calibrate: { type: 'boolean' },
  'max-windows': { type: 'string' },
  method: { type: 'string' },
  undiscovered: { type: 'string' },
  steps: { type: 'string' },
  seed: { type: 'string' },
  out: { type: 'string' },
  'forget-units': { type: 'string' },
  'forget-heads': { type: 'string' },
  rmu: { type: 'boolean' },
  baseline: { type: 'string' },
  'eval-every': { type: 'string' },
  ...MODELS_FLAG,
  ...RUNTIME_FLAGS,
  help: { type: 'boolean', short: 'h' },
} as const;

async function evalCommand(argv: readonly string[], io: Io): Promise<number> {
  const f = parseFlags('sgtm eval', argv, FLAGS);
  const model = openSgtmModel(requireString('sgtm eval', f, 'model'), modelsOption(f));
  const t0 = performance.now();
  const r = await evaluateSgtm(model, {
    ablate: f.ablate === true,
    calibrate: f.calibrate === true,
    maxWindows: optionalInt('sgtm eval', f, 'max-windows', 1),
    runtime: runtimeOptions('sgtm eval', f),
  });
  const state = `${f.ablate ? 'ablated' : 'not ablated'}${f.calibrate ? ', calibrated' : ''}`;
  io.err(`sgtm eval: ${model.name} (${state}): ${r.tokens.retain} English and ${r.tokens.forget} cipher test tokens, ${((performance.now() - t0) / 1000).toFixed(1)}s`);
  io.out(JSON.stringify({ retain_loss: r.retain_loss, forget_loss: r.forget_loss }));
  return 0;
}

async function trainCommand(argv: readonly string[], io: Io): Promise<number> {
  const f = parseFlags('sgtm train', argv, FLAGS);
  const method = optionalChoice('sgtm train', f, 'method', METHODS);
  if (!method) throw new GradlocError('BAD_INPUT', `sgtm train: --method is required (${METHODS.join(', ')})`);
  const undiscovered = optionalNumber('sgtm train', f, 'undiscovered', 0, 100);
  if (undiscovered === undefined) throw new GradlocError('BAD_INPUT', 'sgtm train: --undiscovered P (a percentage, 0..100) is required');
  const outDir = requireString('sgtm train', f, 'out');
  const forgetUnits = optionalInt('sgtm train', f, 'forget-units', 1);
  const forgetHeads = optionalInt('sgtm train', f, 'forget-heads', 1);
  const progress = progressReporter(io, `sgtm ${method}`);
  let lastLoss = NaN;
  const t0 = Date.now();
  const r = await trainSgtmModel({
    method,
    undiscoveredPercent: undiscovered,
    outDir,
    steps: optionalInt('sgtm train', f, 'steps', 1),
    seed: optionalInt('sgtm train', f, 'seed', 0),
    split: { forgetUnits, forgetHeads },
    evalWindows: optionalInt('sgtm train', f, 'max-windows', 1),
    threads: optionalInt('sgtm train', f, 'threads', 1),
    command: `npx gradloc sgtm ${['train', ...argv].join(' ')}`,
    onLog: (line) => io.err(`sgtm: ${line}`),
    onProgress: (p) => {
      // skipped (filtered) batches have no loss: keep showing the last one
      if (!Number.isNaN(p.loss)) lastLoss = p.loss;
      progress.update({ step: p.step, total: p.total, loss: lastLoss, lr: p.lr, throughput: p.tokensPerSec, unit: 'tokens', etaSec: p.etaSec });
    },
  });
  progress.done();
  io.err(`sgtm: trained in ${formatDuration((Date.now() - t0) / 1000)} (${Math.round(r.tokensPerSec)} tokens/s); wrote ${outDir}/model.onnx, tokenizer.json, card.json`);
  io.out(JSON.stringify(r.metrics));
  return 0;
}

async function recoveryCommand(argv: readonly string[], io: Io): Promise<number> {
  const f = parseFlags('sgtm finetune-recovery', argv, FLAGS);
  const steps = optionalInt('sgtm finetune-recovery', f, 'steps', 1);
  if (steps === undefined) throw new GradlocError('BAD_INPUT', 'sgtm finetune-recovery: --steps N is required');
  const model = openSgtmModel(requireString('sgtm finetune-recovery', f, 'model'), modelsOption(f));
  const baseline = openSgtmModel(optionalString(f, 'baseline') ?? 'none-bilingual', modelsOption(f));
  const r = await recoveryRun({
    model,
    baseline,
    steps,
    rmu: f.rmu === true,
    evalEvery: optionalInt('sgtm finetune-recovery', f, 'eval-every', 1),
    runtime: runtimeOptions('sgtm finetune-recovery', f),
    onLog: (line) => io.err(`sgtm finetune-recovery: ${line}`),
  });
  const start = r.curve[0]?.forget_loss;
  io.out(JSON.stringify({ steps_to_recover: r.stepsToRecover, removal: r.removal, baseline_forget_loss: r.baselineForgetLoss, start_forget_loss: start }));
  return 0;
}

export const sgtmCommand: Command = {
  name: 'sgtm',
  summary: 'Selective Gradient Masking: train, ablate and evaluate bilingual GPTs',
  help: HELP,
  run: subcommandRunner('sgtm', HELP, { eval: evalCommand, train: trainCommand, 'finetune-recovery': recoveryCommand }),
};
